package org.metricopt.common.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.ValueFunction;

/**
 * The autograd unroll computes the same L_opt as the plain-Java learned optimizer (float32 against
 * double arithmetic), and returns a finite, non-zero, deterministic gradient in w_opt.
 */
class ReparamUnrollTest {
    private static final int H = 6;
    private static final double STEP = 0.05;

    @Test
    void graphUnrollMatchesTheJavaOptimizerAndGivesAGradient() {
        MetricOptConfig config = Fixtures.smallConfig("inner.steps=15");
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSpec spec = new TaskSampler(config).sample(TaskSampler.META_TRAIN, 0, 2);
        int d = runner.network().adapterDim();
        float[] w = LearnedOptimizer.initialise(H, 5L);
        w[w.length - 1] = 0.3f;
        w[w.length - 2] = 0.1f;
        float[] vfWeights = ValueFunction.initialise(d, 8, 9L, 0.3f);
        try (NDManager m = NDManager.newBaseManager();
                ValueFunction f = new ValueFunction(m, d, 8, InputScaler.identity(d), vfWeights)) {
            Trajectory t =
                    runner.run(
                            spec,
                            "learned",
                            new PredictedMetricRule(new LearnedOptimizer(w, H, STEP, d), f));
            assertThat(t.ok()).as(t.failure()).isTrue();
            float[] pred = f.predict(t.phis());
            double[] predicted = new double[pred.length];
            for (int i = 0; i < pred.length; i++) {
                predicted[i] = pred[i];
            }
            double javaLoss = OptimizerLoss.value(predicted, t.losses(), 50, 0.5 * t.steps(), 1e-8);

            ReparamUnroll.Result a =
                    runner.withNetwork(
                            spec,
                            (data, net) ->
                                    ReparamUnroll.run(spec, net, f, w, H, STEP, 50, 0.5, 1e-8));
            ReparamUnroll.Result b =
                    runner.withNetwork(
                            spec,
                            (data, net) ->
                                    ReparamUnroll.run(spec, net, f, w, H, STEP, 50, 0.5, 1e-8));
            assertThat(a.diverged()).isFalse();
            assertThat(a.loss())
                    .isCloseTo(javaLoss, within(1e-3 * Math.max(1, Math.abs(javaLoss))));
            assertThat(b.gradient()).containsExactly(a.gradient());
            double norm = 0;
            for (float g : a.gradient()) {
                assertThat(Float.isFinite(g)).isTrue();
                norm += g * g;
            }
            assertThat(norm).isPositive();
        }
    }
}
