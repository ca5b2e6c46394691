package org.metricopt.common.outer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.learned.Estimators;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.learned.Perturbations;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.TaskAdaptation;
import org.metricopt.common.valuefn.ValueLearner;

/**
 * The outer loop as a library: the shipped learner driven without Spark, on cases checkable by hand
 * (the ES estimate, the clipped Adam step, the first combination), on a quadratic whose smoothed
 * gradient is known (unbiasedness and variance of the estimates the learner forms), and through a
 * whole step with a phase B played by a plain function.
 */
class MetaLearnerTest {
    private static final double SIGMA = 0.1;
    private static final int HIDDEN = 1;
    private static final int N = LearnedOptimizer.size(HIDDEN);

    private static MetricOptConfig config(double sigma, String... more) {
        List<String> o = new ArrayList<>();
        o.add("learned-optimizer.enabled=true");
        o.add("learned-optimizer.hidden=" + HIDDEN);
        o.add("learned-optimizer.sigma-squared=" + sigma * sigma);
        o.add("learned-optimizer.pairs-per-task=2");
        o.add("learned-optimizer.clip=1.0");
        o.add("learned-optimizer.meta-learning-rate=0.01");
        o.add("meta-train.tasks-per-iteration=3");
        o.add("value-function.hidden=8");
        o.add("value-function.adapt-steps=3");
        o.addAll(List.of(more));
        return Fixtures.smallConfig(o.toArray(String[]::new));
    }

    /** A pair's result as an executor returns it, without reparameterisation gradients. */
    private static EsResult pair(
            MetricOptConfig c, long it, int task, int p, double plus, double minus) {
        float[] eps = Perturbations.epsilon(c.seed(), it, task, p, N);
        return new EsResult(
                it,
                task,
                p,
                plus,
                minus,
                0,
                Perturbations.hash(eps),
                5L,
                new float[0],
                new float[0]);
    }

    @Test
    void theEsUpdateIsTheAntitheticEstimateThenOneClippedAdamStep() {
        MetricOptConfig c = config(SIGMA);
        MetaState state = MetaLearner.initialState(c);
        float[] w = state.array(MetaState.LEARNED_WEIGHTS);
        MetaLearner.EsUpdate u =
                new MetaLearner(c)
                        .esUpdate(state, List.of(pair(c, 0, 0, 0, 3, 1), pair(c, 0, 1, 0, 1, 1.5)));
        float[] e0 = Perturbations.epsilon(c.seed(), 0, 0, 0, N);
        float[] e1 = Perturbations.epsilon(c.seed(), 0, 1, 0, N);
        double[] g = u.stats().gradient();
        for (int i = 0; i < N; i++) {
            // ((3 - 1) e0 / (2 sigma) + (1 - 1.5) e1 / (2 sigma)) / 2
            assertThat(g[i]).isCloseTo((10.0 * e0[i] - 2.5 * e1[i]) / 2, within(1e-9));
        }
        assertThat(u.stats().pairs()).isEqualTo(2);
        assertThat(u.stats().capped()).isZero();
        assertThat(u.stats().meanLoss()).isCloseTo((2 + 1.25) / 2, within(1e-12));
        // Unrolls at the divergence penalty (1000 by default) are counted: one pair with both,
        // one with one of its two.
        MetaLearner.EsStats capped =
                new MetaLearner(c)
                        .esUpdate(
                                state,
                                List.of(pair(c, 0, 0, 0, 1000, 1000), pair(c, 0, 1, 0, 999, 1000)))
                        .stats();
        assertThat(capped.capped()).isEqualTo(3);
        assertThat(u.stats().executorNanos()).isEqualTo(10L);
        assertThat(u.stats().reparamVariance()).isNaN();
        // Adam's first step moves every weight by the learning rate against the gradient's sign,
        // whatever the clipping did to its norm.
        float[] next = u.state().array(MetaState.LEARNED_WEIGHTS);
        for (int i = 0; i < N; i++) {
            assertThat(next[i]).isCloseTo((float) (w[i] - 0.01 * Math.signum(g[i])), within(1e-6f));
        }
        assertThat(u.state().counters()).containsEntry(MetaState.LEARNED_ADAM_STEP, 1L);
        assertThat(u.state().has(MetaState.LEARNED_VAR_ES)).isFalse();
        // The value function's part is not touched.
        assertThat(u.state().array(MetaState.VALUE_WEIGHTS))
                .containsExactly(state.array(MetaState.VALUE_WEIGHTS));
    }

    @Test
    void aPairWithAnotherPerturbationOrANonFiniteLossIsRefused() {
        MetricOptConfig c = config(SIGMA);
        MetaState state = MetaLearner.initialState(c);
        MetaLearner learner = new MetaLearner(c);
        EsResult ok = pair(c, 0, 0, 0, 1, 2);
        EsResult otherEps =
                new EsResult(0, 0, 1, 1, 2, 0, ok.epsilonHash(), 0, new float[0], new float[0]);
        assertThatThrownBy(() -> learner.esUpdate(state, List.of(ok, otherEps)))
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("pair 1")
                .hasMessageContaining("another perturbation");
        EsResult nan = pair(c, 0, 0, 1, Double.NaN, 2);
        assertThatThrownBy(() -> learner.esUpdate(state, List.of(ok, nan)))
                .hasMessageContaining("non-finite loss");
    }

    @Test
    void theFirstCombinationWeighsBothEstimatesTheSameAndTheNextUsesTheirRunningVariances() {
        MetricOptConfig c = config(SIGMA);
        MetaState state = MetaLearner.initialState(c);
        MetaLearner learner = new MetaLearner(c);
        List<EsResult> results = new ArrayList<>();
        List<double[]> es = new ArrayList<>();
        List<double[]> rp = new ArrayList<>();
        for (int p = 0; p < 3; p++) {
            float[] eps = Perturbations.epsilon(c.seed(), 0, 0, p, N);
            float[] plus = new float[N];
            float[] minus = new float[N];
            for (int i = 0; i < N; i++) {
                plus[i] = 0.1f * (i + p);
                minus[i] = -0.05f * i * p;
            }
            double lp = 1 + 0.3 * p;
            double lm = 1 - 0.2 * p;
            results.add(new EsResult(0, 0, p, lp, lm, 0, Perturbations.hash(eps), 0, plus, minus));
            es.add(Estimators.antitheticSample(eps, lp, lm, SIGMA));
            rp.add(Stats.toDouble(plus));
            rp.add(Stats.toDouble(minus));
        }
        MetaLearner.EsUpdate first = learner.esUpdate(state, results);
        Estimators.Batch esBatch = Estimators.batch(es);
        Estimators.Batch rpBatch = Estimators.batch(rp);
        for (int i = 0; i < N; i++) {
            assertThat(first.stats().gradient()[i])
                    .isCloseTo(0.5 * (esBatch.mean()[i] + rpBatch.mean()[i]), within(1e-9));
        }
        RunningVariance esVar = RunningVariance.of(first.state(), MetaState.LEARNED_VAR_ES, N);
        RunningVariance rpVar = RunningVariance.of(first.state(), MetaState.LEARNED_VAR_RP, N);
        assertThat(esVar.updates()).isEqualTo(1);
        for (int i = 0; i < N; i++) {
            assertThat(esVar.values()[i]).isEqualTo((float) esBatch.varianceOfMean()[i]);
            assertThat(rpVar.values()[i]).isEqualTo((float) rpBatch.varianceOfMean()[i]);
        }
        // The next iteration weighs each coordinate by the inverse of those variances.
        MetaLearner.EsUpdate second = learner.esUpdate(first.state(), results);
        double[] expected =
                Estimators.combine(esBatch, rpBatch, esVar.estimate(), rpVar.estimate());
        assertThat(second.stats().gradient()).containsExactly(expected);
        assertThat(RunningVariance.of(second.state(), MetaState.LEARNED_VAR_ES, N).updates())
                .isEqualTo(2);
    }

    /**
     * On L(w) = 1/2 w'Aw + b'w the Gaussian-smoothed gradient is exactly Aw + b. Over 400
     * iterations of 16 pairs at the same w, the ES, reparameterisation and combined estimates that
     * the learner forms are each unbiased within 4 standard errors, and the combination (weights
     * from its running variances) has the lowest variance.
     */
    @Test
    void onAQuadraticTheLearnersEstimatesAreUnbiasedAndTheCombinationHasTheLowestVariance() {
        // sigma chosen so both estimators have comparable variance, which is when combining pays.
        double sigma = 1.5;
        MetricOptConfig c = config(sigma);
        MetaLearner learner = new MetaLearner(c);
        MetaState state = MetaLearner.initialState(c);
        float[] w = state.array(MetaState.LEARNED_WEIGHTS);
        double[] diag = new double[N];
        double[] b = new double[N];
        double[] truth = new double[N];
        for (int i = 0; i < N; i++) {
            diag[i] = 0.25 + (i % 5) * 0.9;
            b[i] = 0.3 * Math.sin(i);
            truth[i] = diag[i] * w[i] + b[i];
        }
        List<double[]> esMeans = new ArrayList<>();
        List<double[]> rpMeans = new ArrayList<>();
        List<double[]> combined = new ArrayList<>();
        for (int k = 0; k < 400; k++) {
            List<EsResult> results = new ArrayList<>();
            List<double[]> es = new ArrayList<>();
            List<double[]> rp = new ArrayList<>();
            for (int j = 0; j < 16; j++) {
                float[] eps = Perturbations.epsilon(c.seed(), k, 0, j, N);
                double plus = quadratic(diag, b, Perturbations.perturb(w, eps, sigma, 1));
                double minus = quadratic(diag, b, Perturbations.perturb(w, eps, sigma, -1));
                // Reparameterisation samples: exact gradients at independent perturbed points.
                float[] gp = gradient(diag, b, w, Perturbations.epsilon(91L, k, 0, j, N), sigma);
                float[] gm = gradient(diag, b, w, Perturbations.epsilon(92L, k, 0, j, N), sigma);
                results.add(
                        new EsResult(k, 0, j, plus, minus, 0, Perturbations.hash(eps), 0, gp, gm));
                es.add(Estimators.antitheticSample(eps, plus, minus, sigma));
                rp.add(Stats.toDouble(gp));
                rp.add(Stats.toDouble(gm));
            }
            MetaLearner.EsUpdate u = learner.esUpdate(state.atIteration(k), results);
            combined.add(u.stats().gradient());
            esMeans.add(Estimators.batch(es).mean());
            rpMeans.add(Estimators.batch(rp).mean());
            // Same w every iteration; the running variances carry over.
            state = u.state().with(k + 1, MetaState.LEARNED_WEIGHTS, w);
        }
        double es = sum(checkUnbiased(esMeans, truth, "ES"));
        double rp = sum(checkUnbiased(rpMeans, truth, "reparameterisation"));
        double cb = sum(checkUnbiased(combined, truth, "combined"));
        assertThat(cb).isLessThan(es).isLessThan(rp);
    }

    @Test
    void aStepAdaptsTheValueFunctionThenHandsPhaseBItsWorkAndStepsOnItsResults() {
        MetricOptConfig c = config(SIGMA);
        MetaState state = MetaLearner.initialState(c);
        List<TaskSpec> specs = MetaLearner.tasks(c, 0);
        List<Trajectory> ok = trajectories(c, specs);
        List<MetaLearner.PhaseB> seen = new ArrayList<>();
        List<EsResult> returned = new ArrayList<>();
        MetaLearner.Step step =
                new MetaLearner(c)
                        .step(
                                state,
                                specs,
                                ok,
                                work -> {
                                    seen.add(work);
                                    for (EsUnit u : work.units()) {
                                        for (int p = 0; p < u.pairs(); p++) {
                                            returned.add(
                                                    pair(
                                                            c,
                                                            0,
                                                            u.task(),
                                                            p,
                                                            1 + 0.1 * p,
                                                            1 - u.task()));
                                        }
                                    }
                                    return returned;
                                });
        assertThat(seen).hasSize(1);
        MetaLearner.PhaseB work = seen.get(0);
        assertThat(work.units()).hasSize(3);
        assertThat(work.pairs()).isEqualTo(6);
        for (EsUnit u : work.units()) {
            assertThat(u.spec().probePairs()).as("phase B does not probe").isZero();
            assertThat(u.pairs()).isEqualTo(2);
            assertThat(work.payload().task(u.task()).weights())
                    .containsExactly(step.value().tasks().get(u.task()).adaptation().adapted());
        }
        assertThat(work.payload().learnedWeights())
                .containsExactly(state.array(MetaState.LEARNED_WEIGHTS));
        // The value function's part equals the value learner's own step, with the scaler fitted
        // on these trajectories; the learned optimizer's part equals the ES update on the results.
        ValueLearner values = ValueLearner.of(c);
        InputScaler scaler = values.fitScaler(ok);
        ValueLearner.Outcome vf = values.step(MetaLearner.valueState(state), scaler, ok, specs, 0);
        assertThat(step.state().iteration()).isEqualTo(1);
        assertThat(step.state().array(MetaState.VALUE_WEIGHTS))
                .containsExactly(vf.state().weights());
        assertThat(step.state().array(MetaState.SCALER_MEAN)).containsExactly(scaler.mean());
        MetaState withScaler =
                state.with(0, MetaState.SCALER_MEAN, scaler.mean())
                        .with(0, MetaState.SCALER_STD, scaler.std());
        assertThat(step.state().array(MetaState.LEARNED_WEIGHTS))
                .containsExactly(
                        new MetaLearner(c)
                                .esUpdate(withScaler, returned)
                                .state()
                                .array(MetaState.LEARNED_WEIGHTS));
        assertThat(step.broadcastBytes()).isEqualTo(work.payload().bytes());
        // Bit-identical when repeated.
        MetaLearner.Step again = new MetaLearner(c).step(state, specs, ok, unused -> returned);
        assertThat(again.state().array(MetaState.VALUE_WEIGHTS))
                .containsExactly(step.state().array(MetaState.VALUE_WEIGHTS));
        assertThat(again.state().array(MetaState.LEARNED_WEIGHTS))
                .containsExactly(step.state().array(MetaState.LEARNED_WEIGHTS));
    }

    @Test
    void adaptationsComputedWhereTheTasksRanGiveTheSameStepBitForBitAndForeignOnesAreRefused() {
        MetricOptConfig c = config(SIGMA, "learned-optimizer.enabled=false");
        List<TaskSpec> specs = MetaLearner.tasks(c, 1);
        List<Trajectory> ok = trajectories(c, specs);
        // An iteration after the first: the scaler is known before phase A, as on the executors.
        ValueLearner values = ValueLearner.of(c);
        InputScaler scaler = values.fitScaler(ok);
        MetaState state =
                MetaLearner.initialState(c)
                        .atIteration(1)
                        .with(1, MetaState.SCALER_MEAN, scaler.mean())
                        .with(1, MetaState.SCALER_STD, scaler.std());
        float[] w = state.array(MetaState.VALUE_WEIGHTS);
        Map<Integer, TaskAdaptation> elsewhere = new HashMap<>();
        // Tasks 0 and 2 adapted "on their executors" (each on its own), task 1 left to the step.
        for (int i : new int[] {2, 0}) {
            elsewhere.put(i, values.adapt(w.clone(), scaler, ok.get(i), specs.get(i), 1));
        }
        MetaLearner.EsEvaluator none =
                work -> {
                    throw new AssertionError("no phase B");
                };
        MetaLearner.Step here = new MetaLearner(c).step(state, specs, ok, none);
        MetaLearner.Step mixed = new MetaLearner(c).step(state, specs, ok, elsewhere, none);
        assertThat(mixed.state().array(MetaState.VALUE_WEIGHTS))
                .containsExactly(here.state().array(MetaState.VALUE_WEIGHTS));
        assertThat(mixed.state().array(MetaState.VALUE_WEIGHTS))
                .as("the step moved the meta-weights")
                .isNotEqualTo(w);
        for (int i = 0; i < 3; i++) {
            TaskAdaptation a = mixed.value().tasks().get(i).adaptation();
            TaskAdaptation b = here.value().tasks().get(i).adaptation();
            assertThat(a.adapted()).containsExactly(b.adapted());
            assertThat(a.prior()).containsExactly(b.prior());
            assertThat(a.lossAfter()).isEqualTo(b.lossAfter());
        }

        // An adaptation from other meta-weights (a stale broadcast) is refused, naming the task.
        float[] stale = w.clone();
        stale[0] += 1e-3f;
        Map<Integer, TaskAdaptation> foreign =
                Map.of(1, values.adapt(stale, scaler, ok.get(1), specs.get(1), 1));
        assertThatThrownBy(() -> new MetaLearner(c).step(state, specs, ok, foreign, none))
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("task 1")
                .hasMessageContaining("other meta-weights");
    }

    @Test
    void withoutTheLearnedOptimizerPhaseBIsNeverAsked() {
        MetricOptConfig c = config(SIGMA, "learned-optimizer.enabled=false");
        MetaState state = MetaLearner.initialState(c);
        assertThat(state.has(MetaState.LEARNED_WEIGHTS)).isFalse();
        List<TaskSpec> specs = MetaLearner.tasks(c, 0);
        AtomicInteger calls = new AtomicInteger();
        MetaLearner.Step step =
                new MetaLearner(c)
                        .step(
                                state,
                                specs,
                                trajectories(c, specs),
                                work -> {
                                    calls.incrementAndGet();
                                    return List.of();
                                });
        assertThat(calls).hasValue(0);
        assertThat(step.es()).isSameAs(MetaLearner.EsStats.NONE);
        assertThat(step.state().iteration()).isEqualTo(1);
        assertThat(step.value().tasks()).hasSize(3);
    }

    private static List<Trajectory> trajectories(MetricOptConfig c, List<TaskSpec> specs) {
        int d = BaseNetwork.of(c.network()).adapterDim();
        float[] u = new float[d];
        u[0] = 1f;
        u[1] = -1f;
        int steps = c.inner().steps();
        int[] observed = {0, steps / 4, steps / 2, 3 * steps / 4, steps};
        List<Trajectory> out = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            out.add(
                    Fixtures.syntheticTrajectory(
                            specs.get(i), i, specs.get(i).family(), u, steps, observed));
        }
        return out;
    }

    private static double quadratic(double[] diag, double[] b, float[] x) {
        double l = 0;
        for (int i = 0; i < x.length; i++) {
            l += 0.5 * diag[i] * x[i] * x[i] + b[i] * x[i];
        }
        return l;
    }

    private static float[] gradient(double[] diag, double[] b, float[] w, float[] eps, double s) {
        float[] g = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            g[i] = (float) (diag[i] * (w[i] + s * eps[i]) + b[i]);
        }
        return g;
    }

    /**
     * Asserts the mean is within 4 standard errors of the truth; returns per-coordinate variance.
     */
    private static double[] checkUnbiased(List<double[]> estimates, double[] truth, String name) {
        int n = estimates.size();
        double[] mean = new double[truth.length];
        double[] var = new double[truth.length];
        for (double[] e : estimates) {
            for (int i = 0; i < truth.length; i++) {
                mean[i] += e[i] / n;
            }
        }
        for (double[] e : estimates) {
            for (int i = 0; i < truth.length; i++) {
                var[i] += (e[i] - mean[i]) * (e[i] - mean[i]) / (n - 1);
            }
        }
        for (int i = 0; i < truth.length; i++) {
            double se = Math.sqrt(var[i] / n);
            assertThat(Math.abs(mean[i] - truth[i]))
                    .as("%s coordinate %d: mean %f vs %f (se %f)", name, i, mean[i], truth[i], se)
                    .isLessThanOrEqualTo(4 * se + 1e-6);
        }
        return var;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }
}
