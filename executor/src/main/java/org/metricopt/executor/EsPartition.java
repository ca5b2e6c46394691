package org.metricopt.executor;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.metricopt.common.config.LearnedOptimizerConfig;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.learned.OptimizerLoss;
import org.metricopt.common.learned.Perturbations;
import org.metricopt.common.learned.PopulationUnroll;
import org.metricopt.common.learned.PredictedMetricRule;
import org.metricopt.common.learned.ReparamUnroll;
import org.metricopt.common.outer.EsResult;
import org.metricopt.common.outer.EsUnit;
import org.metricopt.common.outer.PhaseBPayload;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.TaskValueFunction;
import org.metricopt.common.valuefn.ValueFunction;

/**
 * Phase B of a joint meta-iteration on the executors (docs/DESIGN.md section 4): for each ES pair,
 * regenerate epsilon from its key, unroll the task with the learned optimizer at w + sigma e and at
 * w - sigma e (its metric input being the task's adapted value function), and return the two values
 * of L_opt. The broadcast {@link PhaseBPayload} holds w_opt and every task's adapted value
 * function.
 */
public final class EsPartition implements FlatMapFunction<Iterator<EsUnit>, EsResult> {
    private static final long serialVersionUID = 1L;

    private final ExecutorContext context;
    private final long seed;
    private final ValueFunctionConfig valueFunction;
    private final LearnedOptimizerConfig learned;
    private final Broadcast<PhaseBPayload> state;

    public EsPartition(
            ExecutorContext context,
            long seed,
            ValueFunctionConfig valueFunction,
            LearnedOptimizerConfig learned,
            Broadcast<PhaseBPayload> state) {
        this.context = context;
        this.seed = seed;
        this.valueFunction = valueFunction;
        this.learned = learned;
        this.state = state;
    }

    @Override
    public Iterator<EsResult> call(Iterator<EsUnit> units) {
        TaskRunner runner = ExecutorResources.runner(context);
        FaultInjection.maybeFail("es");
        return new Iterator<>() {
            private Iterator<EsResult> current = java.util.Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && units.hasNext()) {
                    current = evaluate(runner, units.next()).iterator();
                }
                return current.hasNext();
            }

            @Override
            public EsResult next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return current.next();
            }
        };
    }

    /**
     * The results of the unit's pairs, in pair order: one population unroll of all 2P perturbed
     * optimizers when {@link #batches} allows it, else one unroll (or reparameterisation unroll) at
     * a time.
     */
    List<EsResult> evaluate(TaskRunner runner, EsUnit unit) {
        if (batches(runner, unit)) {
            return evaluatePopulation(runner, unit);
        }
        List<EsResult> out = new ArrayList<>(unit.pairs());
        for (int p = unit.firstPair(); p < unit.firstPair() + unit.pairs(); p++) {
            out.add(evaluatePair(runner, unit, p));
        }
        return out;
    }

    /**
     * Population batching needs the setting on, no reparameterisation gradients (their unrolls are
     * autograd graphs of their own), and a loss with a population form (both networks have a
     * population head; the Smooth-AP surrogate is per unroll only).
     */
    boolean batches(TaskRunner runner, EsUnit unit) {
        return learned.populationBatching()
                && !learned.reparameterisation()
                && !org.metricopt.common.nets.TaskNetwork.AP_SURROGATE.equals(unit.spec().loss());
    }

    private List<EsResult> evaluatePopulation(TaskRunner runner, EsUnit unit) {
        long start = System.nanoTime();
        PhaseBPayload s = state.value();
        float[] w = s.learnedWeights();
        double sigma = Math.sqrt(learned.sigmaSquared());
        int d = runner.network().adapterDim();
        List<float[]> epsilons = new ArrayList<>();
        List<LearnedOptimizer> optimizers = new ArrayList<>();
        for (int p = unit.firstPair(); p < unit.firstPair() + unit.pairs(); p++) {
            float[] eps = Perturbations.epsilon(seed, unit.iteration(), unit.task(), p, w.length);
            epsilons.add(eps);
            for (int sign : new int[] {1, -1}) {
                optimizers.add(
                        new LearnedOptimizer(
                                Perturbations.perturb(w, eps, sigma, sign),
                                learned.hidden(),
                                learned.baseStep(),
                                d));
            }
        }
        double[] losses;
        try (NDManager m = NDManager.newBaseManager();
                TaskValueFunction f = taskValueFunction(m, d, s, unit.task())) {
            List<PopulationUnroll.Member> members =
                    runner.withNetwork(
                            unit.spec(),
                            (data, net) ->
                                    PopulationUnroll.run(
                                            unit.spec(),
                                            net,
                                            optimizers,
                                            learned.observedMetric()
                                                    ? PopulationUnroll.observed(
                                                            unit.spec(),
                                                            net,
                                                            data,
                                                            runner.metric(unit.spec()))
                                                    : PopulationUnroll.predicted(
                                                            f, unit.spec().steps())));
            losses = new double[members.size()];
            for (int k = 0; k < members.size(); k++) {
                PopulationUnroll.Member mk = members.get(k);
                if (!mk.finite()) {
                    losses[k] = Double.NaN;
                } else if (learned.observedMetric()) {
                    losses[k] = observedLoss(mk.metrics(), mk.losses(), unit.spec().steps());
                } else {
                    losses[k] = optimizerLoss(f, mk.phis(), mk.losses(), unit.spec().steps());
                }
            }
        }
        // The unit's compute time, shared evenly by its pairs.
        long nanos = (System.nanoTime() - start) / unit.pairs();
        List<EsResult> out = new ArrayList<>(unit.pairs());
        for (int i = 0; i < unit.pairs(); i++) {
            out.add(
                    result(
                            unit,
                            unit.firstPair() + i,
                            epsilons.get(i),
                            losses[2 * i],
                            losses[2 * i + 1],
                            nanos,
                            new float[0],
                            new float[0]));
        }
        return out;
    }

    EsResult evaluatePair(TaskRunner runner, EsUnit unit, int pair) {
        long start = System.nanoTime();
        PhaseBPayload s = state.value();
        float[] w = s.learnedWeights();
        float[] eps = Perturbations.epsilon(seed, unit.iteration(), unit.task(), pair, w.length);
        double sigma = Math.sqrt(learned.sigmaSquared());
        double[] losses = new double[2];
        float[][] grads = {new float[0], new float[0]};
        for (int k = 0; k < 2; k++) {
            float[] wk = Perturbations.perturb(w, eps, sigma, k == 0 ? 1 : -1);
            if (learned.reparameterisation()) {
                ReparamUnroll.Result r = reparam(runner, unit, wk, s);
                losses[k] =
                        r.diverged() ? Double.NaN : Math.min(r.loss(), learned.divergencePenalty());
                // A diverged unroll, or one whose gradient overflowed, gives no reparameterisation
                // sample (an empty array, which the driver skips); its loss still counts for ES.
                // Both estimators differentiate the clamped objective min(L_opt, penalty), whose
                // gradient is zero where the clamp is active.
                grads[k] =
                        r.hasGradient() && r.loss() >= learned.divergencePenalty()
                                ? new float[w.length]
                                : r.gradient();
            } else {
                losses[k] = optimizerLoss(runner, unit, wk, s);
            }
        }
        return result(
                unit,
                pair,
                eps,
                losses[0],
                losses[1],
                System.nanoTime() - start,
                grads[0],
                grads[1]);
    }

    /** The pair's result; a NaN loss (a diverged unroll) becomes the bounded penalty, counted. */
    private EsResult result(
            EsUnit unit,
            int pair,
            float[] eps,
            double plus,
            double minus,
            long nanos,
            float[] gradPlus,
            float[] gradMinus) {
        int diverged = 0;
        if (Double.isNaN(plus)) {
            plus = learned.divergencePenalty();
            diverged++;
        }
        if (Double.isNaN(minus)) {
            minus = learned.divergencePenalty();
            diverged++;
        }
        return new EsResult(
                unit.iteration(),
                unit.task(),
                pair,
                plus,
                minus,
                diverged,
                Perturbations.hash(eps),
                nanos,
                gradPlus,
                gradMinus);
    }

    /** The adapted value function of the batch's task {@code task}, from the broadcast. */
    private TaskValueFunction taskValueFunction(NDManager m, int d, PhaseBPayload s, int task) {
        PhaseBPayload.AdaptedValue adapted = s.task(task);
        float[] context = adapted.context();
        ValueFunction g =
                new ValueFunction(
                        m,
                        d + context.length,
                        d,
                        valueFunction.hidden(),
                        s.scaler(),
                        adapted.weights());
        return new TaskValueFunction(m, g, d, context, adapted.offset());
    }

    /** L_opt and its reparameterisation gradient, by back-propagating the unroll. */
    ReparamUnroll.Result reparam(TaskRunner runner, EsUnit unit, float[] wk, PhaseBPayload s) {
        int d = runner.network().adapterDim();
        try (NDManager m = NDManager.newBaseManager();
                TaskValueFunction f = taskValueFunction(m, d, s, unit.task())) {
            return runner.withNetwork(
                    unit.spec(),
                    (data, net) ->
                            ReparamUnroll.run(
                                    unit.spec(), net, f, wk, ReparamUnroll.Options.of(learned)));
        }
    }

    /** L_opt of one unroll with learned-optimizer weights wk; NaN when the unroll diverged. */
    double optimizerLoss(TaskRunner runner, EsUnit unit, float[] wk, PhaseBPayload s) {
        int d = runner.network().adapterDim();
        try (NDManager m = NDManager.newBaseManager();
                TaskValueFunction f = taskValueFunction(m, d, s, unit.task())) {
            LearnedOptimizer opt =
                    new LearnedOptimizer(wk, learned.hidden(), learned.baseStep(), d);
            // Observed: the optimizer alone, fed the observations as at meta-test (no probes:
            // only phase A's value-function data uses them).
            Trajectory t =
                    learned.observedMetric()
                            ? runner.run(
                                    unit.spec().withProbes(0, unit.spec().probeRadius()),
                                    "metricopt-learned",
                                    opt)
                            : runner.run(
                                    unit.spec(),
                                    "metricopt-learned",
                                    new PredictedMetricRule(opt, f));
            if (!t.ok() || !Stats.allFinite(t.phis()) || !Stats.allFinite(t.losses())) {
                return Double.NaN;
            }
            return learned.observedMetric()
                    ? observedLoss(t.observedMetrics(), t.losses(), t.steps())
                    : optimizerLoss(f, t.phis(), t.losses(), t.steps());
        }
    }

    /** L_opt of a finite trajectory, capped at the divergence penalty; NaN if not finite. */
    private double optimizerLoss(TaskValueFunction f, float[] phis, float[] losses, int steps) {
        float[] pred = f.predict(phis);
        double[] predicted = new double[pred.length];
        for (int i = 0; i < pred.length; i++) {
            predicted[i] = pred[i];
        }
        return capped(predicted, losses, steps);
    }

    /**
     * L_opt with L_metric over the unroll's valid metric observations (a failed call is skipped);
     * NaN, counted as a divergence, when fewer than two are valid.
     */
    private double observedLoss(double[] observed, float[] losses, int steps) {
        double[] valid = java.util.Arrays.stream(observed).filter(Double::isFinite).toArray();
        return valid.length < 2 ? Double.NaN : capped(valid, losses, steps);
    }

    private double capped(double[] metrics, float[] losses, int steps) {
        double value =
                OptimizerLoss.value(
                        metrics,
                        losses,
                        learned.metricWeight(),
                        learned.betaFraction() * steps,
                        learned.epsilon(),
                        OptimizerLoss.Form.of(learned.metricObjective()));
        return Double.isFinite(value) ? Math.min(value, learned.divergencePenalty()) : Double.NaN;
    }
}
