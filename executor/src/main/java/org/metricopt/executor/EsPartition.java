package org.metricopt.executor;

import ai.djl.ndarray.NDManager;
import java.util.Iterator;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.metricopt.common.config.LearnedOptimizerConfig;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.learned.OptimizerLoss;
import org.metricopt.common.learned.Perturbations;
import org.metricopt.common.learned.PredictedMetricRule;
import org.metricopt.common.learned.ReparamUnroll;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.ValueFunction;

/**
 * Phase B of a joint meta-iteration on the executors (DESIGN.md section 4): for each ES pair,
 * regenerate epsilon from its key, unroll the task with the learned optimizer at w + sigma e and at
 * w - sigma e (its metric input being the task's adapted value function), and return the two values
 * of L_opt. Broadcast: [w_opt, scaler mean, scaler std, adapted value function of task 0, of task
 * 1, ...].
 */
public final class EsPartition implements FlatMapFunction<Iterator<EsUnit>, EsResult> {
    private static final long serialVersionUID = 1L;

    private final ExecutorContext context;
    private final long seed;
    private final ValueFunctionConfig valueFunction;
    private final LearnedOptimizerConfig learned;
    private final Broadcast<float[][]> state;

    public EsPartition(
            ExecutorContext context,
            long seed,
            ValueFunctionConfig valueFunction,
            LearnedOptimizerConfig learned,
            Broadcast<float[][]> state) {
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
            @Override
            public boolean hasNext() {
                return units.hasNext();
            }

            @Override
            public EsResult next() {
                return evaluate(runner, units.next());
            }
        };
    }

    EsResult evaluate(TaskRunner runner, EsUnit unit) {
        long start = System.nanoTime();
        float[][] s = state.value();
        float[] w = s[0];
        float[] eps =
                Perturbations.epsilon(seed, unit.iteration(), unit.task(), unit.pair(), w.length);
        double sigma = Math.sqrt(learned.sigmaSquared());
        double[] losses = new double[2];
        float[][] grads = {new float[0], new float[0]};
        int diverged = 0;
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
            if (Double.isNaN(losses[k])) {
                losses[k] = learned.divergencePenalty();
                diverged++;
            }
        }
        return new EsResult(
                unit.iteration(),
                unit.task(),
                unit.pair(),
                losses[0],
                losses[1],
                diverged,
                Perturbations.hash(eps),
                System.nanoTime() - start,
                grads[0],
                grads[1]);
    }

    /** L_opt and its reparameterisation gradient, by back-propagating the unroll. */
    ReparamUnroll.Result reparam(TaskRunner runner, EsUnit unit, float[] wk, float[][] s) {
        int d = runner.network().adapterDim();
        InputScaler scaler = new InputScaler(s[1], s[2]);
        try (NDManager m = NDManager.newBaseManager();
                ValueFunction f =
                        new ValueFunction(
                                m, d, valueFunction.hidden(), scaler, s[3 + unit.task()])) {
            return runner.withNetwork(
                    unit.spec(),
                    (data, net) ->
                            ReparamUnroll.run(
                                    unit.spec(), net, f, wk, ReparamUnroll.Options.of(learned)));
        }
    }

    /** L_opt of one unroll with learned-optimizer weights wk; NaN when the unroll diverged. */
    double optimizerLoss(TaskRunner runner, EsUnit unit, float[] wk, float[][] s) {
        int d = runner.network().adapterDim();
        InputScaler scaler = new InputScaler(s[1], s[2]);
        try (NDManager m = NDManager.newBaseManager();
                ValueFunction f =
                        new ValueFunction(
                                m, d, valueFunction.hidden(), scaler, s[3 + unit.task()])) {
            LearnedOptimizer opt =
                    new LearnedOptimizer(wk, learned.hidden(), learned.baseStep(), d);
            Trajectory t =
                    runner.run(unit.spec(), "metricopt-learned", new PredictedMetricRule(opt, f));
            if (!t.ok() || !finite(t.phis()) || !finite(t.losses())) {
                return Double.NaN;
            }
            float[] pred = f.predict(t.phis());
            double[] predicted = new double[pred.length];
            for (int i = 0; i < pred.length; i++) {
                predicted[i] = pred[i];
            }
            double value =
                    OptimizerLoss.value(
                            predicted,
                            t.losses(),
                            learned.metricWeight(),
                            learned.betaFraction() * t.steps(),
                            learned.epsilon());
            return Double.isFinite(value)
                    ? Math.min(value, learned.divergencePenalty())
                    : Double.NaN;
        }
    }

    private static boolean finite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
