package org.metricopt.common.unroll;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.metricopt.common.metrics.Metric;
import org.metricopt.common.metrics.Metrics;
import org.metricopt.common.metrics.Predictions;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskSpec;

/**
 * The inner loop (DESIGN.md section 2): T steps of an update rule on phi over the surrogate loss,
 * observing the black-box metric on the validation split at the K steps of {@link
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
        float[] grad = new float[d];
        int nextObs = 0;
        int dropped = 0;
        String lastDrop = "";
        int outputs = spec.numOutputs();
        double testInitial = evaluate(metric, net.testOutputs(phi), outputs, data.testY());
        for (int t = 0; t <= steps; t++) {
            System.arraycopy(phi, 0, phis, t * d, d);
            if (nextObs < obsSteps.length && obsSteps[nextObs] == t) {
                try {
                    observed[nextObs] =
                            evaluate(metric, net.validationOutputs(phi), outputs, data.valY());
                    rule.observe(t, observed[nextObs], phi);
                } catch (org.metricopt.common.errors.MetricOptException e) {
                    observed[nextObs] = Double.NaN;
                    dropped++;
                    lastDrop = e.getMessage();
                    LOG.warn(
                            "task {}: dropped the metric observation at step {}: {}",
                            spec.id(),
                            t,
                            lastDrop);
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
        return new Trajectory(
                spec.id(),
                spec.index(),
                spec.family(),
                method,
                Trajectory.OK,
                "",
                d,
                phis,
                losses,
                Arrays.copyOf(obsSteps, obsSteps.length),
                observed,
                testInitial,
                testFinal,
                System.nanoTime() - start);
    }

    private static double evaluate(Metric metric, float[] scores, int outputs, int[] labels) {
        return Metrics.evaluateChecked(metric, new Predictions(scores, outputs, labels));
    }
}
