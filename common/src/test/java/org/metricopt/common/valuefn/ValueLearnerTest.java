package org.metricopt.common.valuefn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.Probes;
import org.metricopt.common.unroll.Trajectory;

/** The value function's meta-learner, driven without Spark on synthetic trajectories. */
class ValueLearnerTest {
    private static final int D = 8;
    private static final int STEPS = 20;
    private static final int[] OBSERVED = {0, 5, 10, 15, 20};
    private static final List<String> FAMILIES = List.of("a", "b");

    static ValueFunctionConfig config(String metaOptimizer, boolean context, double pairWeight) {
        return new ValueFunctionConfig(
                16,
                0.05,
                0.0,
                0.02,
                16,
                5,
                0.01,
                10.0,
                0.5,
                1.0,
                0.01,
                ValueFunctionConfig.RESIDUAL,
                context,
                0.05,
                pairWeight,
                true,
                metaOptimizer,
                0.01,
                0,
                0.01,
                ValueFunctionConfig.ADD,
                ValueFunctionConfig.FAN_IN,
                new double[] {1e-6, 1e-3, 1e-2});
    }

    private static List<TaskSpec> specs(int n, long iteration) {
        TaskSampler sampler = new TaskSampler(Fixtures.smallConfig());
        List<TaskSpec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(sampler.sample(TaskSampler.META_TRAIN, iteration, i).withProbes(2, 1.0));
        }
        return out;
    }

    /** The true metric of the synthetic tasks: it falls along u, whatever the path. */
    private static final float[] U = {1f, -1f, 0f, 0f, 0.5f, 0f, 0f, 0f};

    private static Trajectory trajectory(TaskSpec spec, int index, String family) {
        return Fixtures.syntheticTrajectory(spec, index, family, U, STEPS, OBSERVED);
    }

    @Test
    void theContextIsTheFamilyOneHotThenTheInitialMetricThenTheFeatures() {
        ValueLearner learner = new ValueLearner(config("adam", true, 1), D, FAMILIES, 1L);
        float[] features = new float[TaskFeatures.SIZE];
        features[0] = 0.7f;
        features[13] = 0.05f;
        float[] c = learner.context("b", 0.31, features, null);
        assertThat(c).hasSize(2 + 1 + TaskFeatures.SIZE);
        assertThat(c[0]).isZero();
        assertThat(c[1]).isEqualTo(1f);
        assertThat(c[2]).isEqualTo(0.31f);
        assertThat(c[3]).isEqualTo(0.7f);
        assertThat(c[2 + 1 + 13]).isEqualTo(0.05f);
        assertThat(learner.inputs()).isEqualTo(D + c.length);
        ValueLearner phiOnly = new ValueLearner(config("adam", false, 1), D, FAMILIES, 1L);
        assertThat(phiOnly.context("b", 0.31, features, null)).isEmpty();
        assertThat(phiOnly.inputs()).isEqualTo(D);
    }

    @Test
    void taskDataHasResidualTargetsNormalisedWeightsAndTheRegeneratedProbePairs() {
        ValueLearner learner = new ValueLearner(config("adam", false, 1), D, FAMILIES, 1L);
        TaskSpec spec = specs(1, 0).get(0);
        Trajectory t = trajectory(spec, 0, "a");
        Interpolation interp =
                learner.interpolate(t.observedSteps(), t.observedMetrics(), t.steps());
        ValueFunction.Data data = learner.taskData(t, spec, interp, new float[0]);
        double m0 = t.observedMetrics()[0];
        double mean = 0;
        for (int s = 0; s <= STEPS; s++) {
            assertThat(data.targets()[s]).isCloseTo(interp.mean()[s] - m0, within(1e-12));
            mean += data.weights()[s] / (STEPS + 1);
        }
        assertThat(mean).isCloseTo(1.0, within(1e-9));
        assertThat(data.pairs()).isEqualTo(OBSERVED.length * 2);
        // Pair (k = 3, p = 1): phi_15 +- delta_31, and the observed difference.
        int q = 3 * 2 + 1;
        float[] delta = Probes.delta(spec.seed(), 3, 1, D, spec.probeRadius());
        for (int i = 0; i < D; i++) {
            assertThat(data.pairPlus()[q * D + i]).isEqualTo(t.phis()[15 * D + i] + delta[i]);
            assertThat(data.pairMinus()[q * D + i]).isEqualTo(t.phis()[15 * D + i] - delta[i]);
        }
        assertThat(data.pairDiffs()[q])
                .isEqualTo(t.probeMetrics()[q * 2] - t.probeMetrics()[q * 2 + 1]);
        assertThat(data.observations()).containsExactly(OBSERVED);
    }

    @Test
    void theSgdMetaStepIsReptileAndTheAdamStepMovesEachWeightByTheLearningRate() {
        float[] w = {0.5f, -0.25f, 1f};
        List<float[]> adapted =
                List.of(new float[] {0.7f, -0.25f, 0.8f}, new float[] {0.9f, -0.5f, 1f});
        ValueLearner.State state = new ValueLearner.State(w, new float[0], new float[0], 0L);
        ValueLearner sgd = new ValueLearner(config("sgd", false, 1), D, FAMILIES, 1L);
        assertThat(sgd.metaStep(state, adapted).weights())
                .containsExactly(Reptile.update(w, adapted, 0.5));
        // Adam's first step is lr * sign of the direction, whatever its scale: the Reptile
        // direction is (0.3, -0.125, -0.1); the second coordinate of the mean moved least but
        // moves as far.
        ValueLearner adam = new ValueLearner(config("adam", false, 1), D, FAMILIES, 1L);
        ValueLearner.State next = adam.metaStep(state, adapted);
        assertThat(next.adamStep()).isEqualTo(1L);
        assertThat(next.weights()[0]).isCloseTo(0.51f, within(1e-5f));
        assertThat(next.weights()[1]).isCloseTo(-0.26f, within(1e-5f));
        assertThat(next.weights()[2]).isCloseTo(0.99f, within(1e-5f));
        assertThat(next.adamM()).hasSize(3);
        assertThat(next.adamV()).hasSize(3);
    }

    @Test
    void metaLearningFromProbesAlonePointsTheGradientAgainstTheMetricsDirection() {
        ValueLearner learner = new ValueLearner(config("adam", true, 10), D, FAMILIES, 7L);
        List<TaskSpec> first = specs(8, 0);
        List<Trajectory> firstTasks = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            firstTasks.add(trajectory(first.get(i), i, FAMILIES.get(i % 2)));
        }
        InputScaler scaler = learner.fitScaler(firstTasks);
        float[] w = learner.initialWeights(7L);
        ValueLearner.State state = new ValueLearner.State(w, new float[0], new float[0], 0L);
        double before = gradientCosine(learner, scaler, state.weights(), firstTasks.get(0));
        ValueLearner.Outcome last = null;
        for (long it = 0; it < 60; it++) {
            List<TaskSpec> specs = it == 0 ? first : specs(8, it);
            List<Trajectory> tasks = new ArrayList<>();
            for (int i = 0; i < specs.size(); i++) {
                tasks.add(trajectory(specs.get(i), i, FAMILIES.get(i % 2)));
            }
            last = learner.step(state, scaler, tasks, specs, it);
            state = last.state();
        }
        double after = gradientCosine(learner, scaler, state.weights(), firstTasks.get(0));
        assertThat(after).as("cosine of grad f with the metric's gradient -u").isGreaterThan(0.8);
        assertThat(after).isGreaterThan(before);
        assertThat(last.tasks()).hasSize(8);
        assertThat(state.adamStep()).isEqualTo(60L);
        // Bit-identical when repeated.
        ValueLearner.Outcome again =
                learner.step(
                        new ValueLearner.State(w, new float[0], new float[0], 0L),
                        scaler,
                        firstTasks,
                        first,
                        0);
        ValueLearner.Outcome once =
                learner.step(
                        new ValueLearner.State(w, new float[0], new float[0], 0L),
                        scaler,
                        firstTasks,
                        first,
                        0);
        assertThat(again.state().weights()).containsExactly(once.state().weights());
    }

    private static double gradientCosine(
            ValueLearner learner, InputScaler scaler, float[] w, Trajectory t) {
        float[] minusU = new float[D];
        for (int i = 0; i < D; i++) {
            minusU[i] = -0.02f * U[i];
        }
        try (NDManager m = NDManager.newBaseManager();
                ValueFunction f =
                        new ValueFunction(
                                m, learner.inputs(), D, learner.config().hidden(), scaler, w)) {
            float[] grad = new float[D];
            f.valueAndGradient(Inputs.row(t.phi(10), learner.context(t, scaler)), grad);
            return Stats.cosine(grad, minusU);
        }
    }
}
