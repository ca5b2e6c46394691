package org.metricopt.common.unroll;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.metricopt.common.metrics.Metric;
import org.metricopt.common.metrics.Metrics;
import org.metricopt.common.metrics.Predictions;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.valuefn.TaskFeatures;

/**
 * The inner loop (docs/DESIGN.md section 2): T steps of an update rule on phi over the surrogate
 * loss, observing the black-box metric on the validation split at the K steps of {@link
 * TaskSpec#observationSteps()}. Minibatches and phi_0 come from the task's own keyed generators.
 */
public final class InnerLoop {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(InnerLoop.class);

    private InnerLoop() {}

    /** Minibatch rows of step {@code t}: {@code batch} distinct training examples. */
    public static int[] minibatch(TaskSpec spec, int t) {
        SplittableRandom rng = Keys.rng(spec.seed(), "minibatch", t);
        return Keys.sampleWithoutReplacement(rng, spec.trainSize(), spec.batchSize());
    }

    /** phi_0: zero, or Gaussian with the configured standard deviation. */
    public static float[] initialPhi(TaskSpec spec, int dim) {
        float[] phi = new float[dim];
        if (spec.phiInitStd() > 0) {
            SplittableRandom rng = Keys.rng(spec.seed(), "phi-init");
            for (int i = 0; i < dim; i++) {
                phi[i] = (float) (spec.phiInitStd() * Keys.gaussian(rng));
            }
        }
        return phi;
    }

    /**
     * Runs the unroll and returns its trajectory. A validation observation whose metric throws,
     * times out or returns NaN, an infinity or a value outside the metric's declared range is
     * dropped (recorded as NaN, counted and logged with the task key) and the unroll goes on; a
     * task left with fewer than two valid observations, or whose test-split metric fails, is failed
     * with the reason. No bad value is ever passed on as a number.
     */
    public static Trajectory run(
            TaskSpec spec,
            TaskData data,
            TaskNetwork net,
            Metric metric,
            PhiOptimizer rule,
            String method) {
        long start = System.nanoTime();
        int d = net.adapterDim();
        int steps = spec.steps();
        float[] phi = initialPhi(spec, d);
        float[] phis = new float[(steps + 1) * d];
        float[] losses = new float[steps + 1];
        int[] obsSteps = spec.observationSteps();
        double[] observed = new double[obsSteps.length];
        int pairs = spec.probePairs();
        double[] probes = new double[obsSteps.length * 2 * pairs];
        PhiOptimizer.ValueGuided guided = rule instanceof PhiOptimizer.ValueGuided g ? g : null;
        double[] diagnostics = new double[guided == null ? 0 : 2 * obsSteps.length];
        double[] observedTest = new double[guided == null ? 0 : obsSteps.length];
        float[] grad = new float[d];
        float[] valGrad = guided == null ? null : new float[d];
        int nextObs = 0;
        int dropped = 0;
        String lastDrop = "";
        int outputs = spec.numOutputs();
        double testInitial = evaluate(metric, net.testOutputs(phi), outputs, data.testY());
        float[] features = TaskFeatures.compute(spec, data, net, phi);
        rule.begin(features);
        double bestObserved = Double.POSITIVE_INFINITY;
        float[] bestPhi = null;
        for (int t = 0; t <= steps; t++) {
            System.arraycopy(phi, 0, phis, t * d, d);
            if (nextObs < obsSteps.length && obsSteps[nextObs] == t) {
                int k = nextObs;
                try {
                    observed[k] =
                            evaluate(metric, net.validationOutputs(phi), outputs, data.valY());
                    if (observed[k] < bestObserved) {
                        bestObserved = observed[k];
                        bestPhi = phi.clone();
                    }
                    rule.observe(t, observed[k], phi);
                } catch (org.metricopt.common.errors.MetricOptException e) {
                    observed[k] = Double.NaN;
                    dropped++;
                    lastDrop = e.getMessage();
                    LOG.warn(
                            "task {}: dropped the metric observation at step {}: {}",
                            spec.id(),
                            t,
                            lastDrop);
                }
                for (int p = 0; p < pairs; p++) {
                    float[] delta = Probes.delta(spec.seed(), k, p, d, spec.probeRadius());
                    for (int sign = 0; sign < 2; sign++) {
                        float[] at = phi.clone();
                        for (int i = 0; i < d; i++) {
                            at[i] += sign == 0 ? delta[i] : -delta[i];
                        }
                        probes[(k * pairs + p) * 2 + sign] =
                                validationMetric(metric, net, data, at, outputs);
                    }
                }
                if (guided != null) {
                    observedTest[k] = probe(metric, net.testOutputs(phi), outputs, data.testY());
                    float[] vf = guided.valueGradient(phi);
                    net.validationLossAndGradient(phi, valGrad);
                    diagnostics[2 * k] = Stats.cosine(vf, valGrad);
                    diagnostics[2 * k + 1] = Stats.norm(vf);
                }
                nextObs++;
            }
            int[] rows = minibatch(spec, t);
            if (t < steps) {
                losses[t] = (float) net.lossAndGradient(phi, rows, grad);
                rule.step(phi, grad, losses[t], t);
            } else {
                losses[t] = (float) net.loss(phi, rows);
            }
        }
        if (obsSteps.length - dropped < Math.min(2, obsSteps.length)) {
            return Trajectory.failed(
                    spec.id(),
                    spec.index(),
                    spec.family(),
                    method,
                    "only "
                            + (obsSteps.length - dropped)
                            + " of "
                            + obsSteps.length
                            + " metric observations were valid; last problem: "
                            + lastDrop,
                    System.nanoTime() - start);
        }
        double testFinal = evaluate(metric, net.testOutputs(phi), outputs, data.testY());
        double testBest =
                bestPhi == null
                        ? Double.NaN
                        : evaluate(metric, net.testOutputs(bestPhi), outputs, data.testY());
        return new Trajectory(
                spec.id(),
                spec.index(),
                spec.family(),
                method,
                TaskStatus.OK,
                "",
                d,
                phis,
                losses,
                Arrays.copyOf(obsSteps, obsSteps.length),
                observed,
                observedTest,
                testInitial,
                testFinal,
                testBest,
                features,
                probes,
                diagnostics,
                System.nanoTime() - start);
    }

    /**
     * The metric on the task's validation split at phi, or NaN when the call fails (for probes and
     * learned-optimizer meta-training, which never fail their task over one observation).
     */
    public static double validationMetric(
            Metric metric, TaskNetwork net, TaskData data, float[] phi, int outputs) {
        return probe(metric, net.validationOutputs(phi), outputs, data.valY());
    }

    /**
     * A probe's metric (or a diagnostic one), or NaN when the call fails: neither ever fails its
     * task.
     */
    private static double probe(Metric metric, float[] scores, int outputs, int[] labels) {
        try {
            return evaluate(metric, scores, outputs, labels);
        } catch (org.metricopt.common.errors.MetricOptException e) {
            return Double.NaN;
        }
    }

    private static double evaluate(Metric metric, float[] scores, int outputs, int[] labels) {
        return Metrics.evaluateChecked(metric, new Predictions(scores, outputs, labels));
    }
}
