package org.metricopt.common.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.TaskValueFunction;
import org.metricopt.common.valuefn.ValueFunction;

/**
 * Population batching is checked against the straightforward computation it replaces: member by
 * member, the batched loss and gradient equal {@link TaskNetwork#lossAndGradient} (tolerance 1e-5
 * relative), and a population unroll equals the one-at-a-time unrolls with {@link
 * PredictedMetricRule} (phi and losses within 1e-4 relative over 15 steps: the same arithmetic,
 * summed in another order). Both networks: the MLP's input biases and the CNN's FiLM, whose random
 * scales take both signs so each member picks its own pooling per channel.
 */
class PopulationUnrollTest {
    private static final int H = 6;
    private static final double STEP = 0.05;

    private static float[] perturbed(float[] w, long seed) {
        float[] eps = Perturbations.epsilon(seed, 0, 0, 0, w.length);
        return Perturbations.perturb(w, eps, 0.1, seed % 2 == 0 ? 1 : -1);
    }

    /** The small configuration of the given network kind; random phi of spread {@link #spread}. */
    private static MetricOptConfig config(String kind, int steps) {
        return Fixtures.smallConfig("inner.steps=" + steps, "network.kind=" + kind);
    }

    /** FiLM scales are 1 + gamma: a spread of 0.8 makes some negative. */
    private static double spread(String kind) {
        return "cnn".equals(kind) ? 0.8 : 0.3;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn"})
    void batchedLossAndGradientEqualEachMembersOwnForBinaryAndMulticlassTasks(String kind) {
        MetricOptConfig config = config(kind, 10);
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSampler sampler = new TaskSampler(config);
        int d = runner.network().adapterDim();
        int checked = 0;
        boolean sawBinary = false;
        boolean sawMulticlass = false;
        for (int i = 0; i < 12 && !(sawBinary && sawMulticlass); i++) {
            TaskSpec spec = sampler.sample(TaskSampler.META_TRAIN, 0, i);
            sawBinary |= spec.isBinary();
            sawMulticlass |= !spec.isBinary();
            int members = 3;
            SplittableRandom rng = new SplittableRandom(i);
            float[] phis = new float[members * d];
            for (int k = 0; k < phis.length; k++) {
                phis[k] = (float) (rng.nextGaussian() * spread(kind));
            }
            int[] rows = org.metricopt.common.unroll.InnerLoop.minibatch(spec, 3);
            runner.withNetwork(
                    spec,
                    (data, net) -> {
                        float[] grads = new float[members * d];
                        float[] losses = net.populationLossAndGradient(phis, members, rows, grads);
                        float[] noGrad = net.populationLossAndGradient(phis, members, rows, null);
                        for (int m = 0; m < members; m++) {
                            float[] phi = java.util.Arrays.copyOfRange(phis, m * d, (m + 1) * d);
                            float[] g = new float[d];
                            double loss = net.lossAndGradient(phi, rows, g);
                            assertThat((double) losses[m]).isCloseTo(loss, within(1e-5 * loss));
                            assertThat(noGrad[m]).isEqualTo(losses[m]);
                            for (int j = 0; j < d; j++) {
                                assertThat(grads[m * d + j])
                                        .as("member %d, coordinate %d", m, j)
                                        .isCloseTo(g[j], within(1e-5f * (1 + Math.abs(g[j]))));
                            }
                        }
                        return null;
                    });
            checked++;
        }
        assertThat(sawBinary).isTrue();
        assertThat(sawMulticlass).isTrue();
        assertThat(checked).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn"})
    void populationUnrollEqualsTheUnrollsOneAtATime(String kind) {
        MetricOptConfig config = config(kind, 15);
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSpec spec = new TaskSampler(config).sample(TaskSampler.META_TRAIN, 0, 1);
        int d = runner.network().adapterDim();
        float[] w = LearnedOptimizer.initialise(H, 5L);
        w[w.length - 1] = 0.3f;
        float[] vfWeights = ValueFunction.initialise(d, 8, 9L, 0.3f);
        List<float[]> weights = new ArrayList<>();
        for (long k = 0; k < 4; k++) {
            weights.add(perturbed(w, k));
        }
        try (NDManager m = NDManager.newBaseManager();
                TaskValueFunction f =
                        TaskValueFunction.of(
                                m,
                                new ValueFunction(m, d, 8, InputScaler.identity(d), vfWeights),
                                d)) {
            List<LearnedOptimizer> opts = new ArrayList<>();
            for (float[] wk : weights) {
                opts.add(new LearnedOptimizer(wk, H, STEP, d));
            }
            List<PopulationUnroll.Member> members =
                    runner.withNetwork(
                            spec, (data, net) -> PopulationUnroll.run(spec, net, f, opts));
            assertThat(members).hasSize(4);
            for (int k = 0; k < 4; k++) {
                Trajectory t =
                        runner.run(
                                spec,
                                "learned",
                                new PredictedMetricRule(
                                        new LearnedOptimizer(weights.get(k), H, STEP, d), f));
                PopulationUnroll.Member p = members.get(k);
                assertThat(p.finite()).isTrue();
                assertThat(p.phis()).hasSameSizeAs(t.phis());
                for (int i = 0; i < t.phis().length; i++) {
                    assertThat(p.phis()[i])
                            .as("member %d, phi entry %d", k, i)
                            .isCloseTo(t.phis()[i], within(1e-4f * (1 + Math.abs(t.phis()[i]))));
                }
                for (int s = 0; s < t.losses().length; s++) {
                    assertThat(p.losses()[s])
                            .as("member %d, loss at step %d", k, s)
                            .isCloseTo(t.losses()[s], within(1e-4f * t.losses()[s]));
                }
            }
            // The members differ (the perturbations matter), and a rerun is bit-identical.
            assertThat(members.get(0).phis()).isNotEqualTo(members.get(1).phis());
            List<LearnedOptimizer> again = new ArrayList<>();
            for (float[] wk : weights) {
                again.add(new LearnedOptimizer(wk, H, STEP, d));
            }
            List<PopulationUnroll.Member> rerun =
                    runner.withNetwork(
                            spec, (data, net) -> PopulationUnroll.run(spec, net, f, again));
            for (int k = 0; k < 4; k++) {
                assertThat(rerun.get(k).phis()).containsExactly(members.get(k).phis());
                assertThat(rerun.get(k).losses()).containsExactly(members.get(k).losses());
            }
        }
    }

    @Test
    void aDivergedMemberDoesNotAffectTheOthers() {
        MetricOptConfig config = Fixtures.smallConfig("inner.steps=8");
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSpec spec = new TaskSampler(config).sample(TaskSampler.META_TRAIN, 0, 0);
        int d = runner.network().adapterDim();
        float[] w = LearnedOptimizer.initialise(H, 5L);
        float[] poisoned = w.clone();
        java.util.Arrays.fill(poisoned, Float.NaN);
        float[] vfWeights = ValueFunction.initialise(d, 8, 9L, 0.3f);
        try (NDManager m = NDManager.newBaseManager();
                TaskValueFunction f =
                        TaskValueFunction.of(
                                m,
                                new ValueFunction(m, d, 8, InputScaler.identity(d), vfWeights),
                                d)) {
            List<PopulationUnroll.Member> mixed =
                    runner.withNetwork(
                            spec,
                            (data, net) ->
                                    PopulationUnroll.run(
                                            spec,
                                            net,
                                            f,
                                            List.of(
                                                    new LearnedOptimizer(w, H, STEP, d),
                                                    new LearnedOptimizer(poisoned, H, STEP, d))));
            List<PopulationUnroll.Member> alone =
                    runner.withNetwork(
                            spec,
                            (data, net) ->
                                    PopulationUnroll.run(
                                            spec,
                                            net,
                                            f,
                                            List.of(new LearnedOptimizer(w, H, STEP, d))));
            assertThat(mixed.get(1).finite()).isFalse();
            assertThat(mixed.get(0).finite()).isTrue();
            for (int i = 0; i < alone.get(0).phis().length; i++) {
                assertThat(mixed.get(0).phis()[i]).isCloseTo(alone.get(0).phis()[i], within(1e-5f));
            }
        }
    }
}
