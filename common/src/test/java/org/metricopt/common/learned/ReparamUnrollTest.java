package org.metricopt.common.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.TaskValueFunction;
import org.metricopt.common.valuefn.ValueFunction;

/**
 * The autograd unroll computes the same L_opt as the plain-Java learned optimizer (float32 against
 * double arithmetic), and returns a finite, non-zero, deterministic gradient in w_opt, whatever the
 * garbage collector and other threads do meanwhile.
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
                TaskValueFunction f =
                        TaskValueFunction.of(
                                m,
                                new ValueFunction(m, d, 8, InputScaler.identity(d), vfWeights),
                                d)) {
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

    /**
     * Truncation changes the gradient, never the forward pass: L_opt is the same for every K, K = T
     * (no cut inside the unroll) is the full gradient bit for bit, and a shorter window gives
     * another finite gradient. The second-order variant (g_t in the graph) computes the same L_opt
     * up to float32 moments and a different, finite and deterministic gradient.
     */
    @Test
    void truncationAndSecondOrderChangeOnlyTheGradient() {
        MetricOptConfig config = Fixtures.smallConfig("inner.steps=15");
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSpec spec = new TaskSampler(config).sample(TaskSampler.META_TRAIN, 0, 2);
        int d = runner.network().adapterDim();
        float[] w = LearnedOptimizer.initialise(H, 5L);
        float[] vfWeights = ValueFunction.initialise(d, 8, 9L, 0.3f);
        ReparamUnroll.Options full = new ReparamUnroll.Options(H, STEP, 50, 0.5, 1e-8, 0, false);
        try (NDManager m = NDManager.newBaseManager();
                TaskValueFunction f =
                        TaskValueFunction.of(
                                m,
                                new ValueFunction(m, d, 8, InputScaler.identity(d), vfWeights),
                                d)) {
            java.util.function.Function<ReparamUnroll.Options, ReparamUnroll.Result> unroll =
                    o ->
                            runner.withNetwork(
                                    spec, (data, net) -> ReparamUnroll.run(spec, net, f, w, o));
            ReparamUnroll.Result all = unroll.apply(full);
            ReparamUnroll.Result atT = unroll.apply(full.with(spec.steps(), false));
            ReparamUnroll.Result short5 = unroll.apply(full.with(5, false));
            ReparamUnroll.Result second = unroll.apply(full.with(5, true));
            ReparamUnroll.Result secondAgain = unroll.apply(full.with(5, true));

            for (ReparamUnroll.Result r : List.of(all, atT, short5, second)) {
                assertThat(r.diverged()).isFalse();
                assertThat(r.hasGradient()).isTrue();
                for (float g : r.gradient()) {
                    assertThat(Float.isFinite(g)).isTrue();
                }
            }
            assertThat(atT.loss()).isEqualTo(all.loss());
            assertThat(atT.gradient()).containsExactly(all.gradient());
            assertThat(short5.loss()).isEqualTo(all.loss());
            assertThat(short5.gradient()).isNotEqualTo(all.gradient());
            assertThat(second.loss()).isCloseTo(all.loss(), within(1e-3 * Math.abs(all.loss())));
            assertThat(second.gradient()).isNotEqualTo(short5.gradient());
            assertThat(secondAgain.gradient()).containsExactly(second.gradient());
        }
    }

    /**
     * A regression: the unroll's graph once held scalars whose memory was a Java direct buffer the
     * garbage collector could free before the backward pass, so the gradient (or a spurious
     * "diverged") depended on when the collector ran and what reused the memory; two identical
     * meta-training runs then differed from the first phase B on. Here a second thread collects
     * garbage and fills freed direct memory with NaN while the unroll runs.
     */
    @Test
    void gradientDoesNotDependOnTheGarbageCollector() throws InterruptedException {
        MetricOptConfig config = Fixtures.smallConfig("inner.steps=30");
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSpec spec = new TaskSampler(config).sample(TaskSampler.META_TRAIN, 0, 1);
        int d = runner.network().adapterDim();
        float[] w = LearnedOptimizer.initialise(H, 5L);
        float[] vfWeights = ValueFunction.initialise(d, 8, 9L, 0.3f);
        try (NDManager m = NDManager.newBaseManager();
                TaskValueFunction f =
                        TaskValueFunction.of(
                                m,
                                new ValueFunction(m, d, 8, InputScaler.identity(d), vfWeights),
                                d)) {
            java.util.function.Supplier<ReparamUnroll.Result> unroll =
                    () ->
                            runner.withNetwork(
                                    spec,
                                    (data, net) ->
                                            ReparamUnroll.run(
                                                    spec, net, f, w, H, STEP, 50, 0.5, 1e-8));
            ReparamUnroll.Result quiet = unroll.get();
            assertThat(quiet.diverged()).isFalse();
            AtomicBoolean stop = new AtomicBoolean();
            Thread collector = new Thread(() -> churnDirectMemory(stop), "gc-churn");
            collector.start();
            try {
                for (int i = 0; i < 3; i++) {
                    ReparamUnroll.Result noisy = unroll.get();
                    assertThat(noisy.diverged()).as("diverged, run " + i).isFalse();
                    assertThat(Double.doubleToLongBits(noisy.loss()))
                            .isEqualTo(Double.doubleToLongBits(quiet.loss()));
                    assertThat(noisy.gradient()).containsExactly(quiet.gradient());
                }
            } finally {
                stop.set(true);
                collector.join();
            }
        }
    }

    /** Collects garbage and reallocates freed direct memory, filled with NaN, until stopped. */
    private static void churnDirectMemory(AtomicBoolean stop) {
        List<ByteBuffer> held = new ArrayList<>();
        while (!stop.get()) {
            System.gc();
            for (int i = 0; i < 256; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(4);
                b.putFloat(0, Float.NaN);
                held.add(b);
            }
            if (held.size() > 4096) {
                held.clear();
            }
        }
    }
}
