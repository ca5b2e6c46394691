package org.metricopt.common.unroll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.Split;
import org.metricopt.common.metrics.Metric;
import org.metricopt.common.metrics.MisclassificationRate;
import org.metricopt.common.metrics.Predictions;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;

/**
 * A user metric that returns NaN or hangs: each bad observation is dropped (NaN, never a number)
 * and the unroll goes on; a task left with fewer than two valid observations is failed.
 */
class MetricFaultsTest {

    /** NaN on every second validation call (validation sets have 100 examples, test sets 200). */
    public static final class FlakyMetric implements Metric {
        private static final long serialVersionUID = 1L;
        private int calls;

        @Override
        public String id() {
            return "flaky";
        }

        @Override
        public double evaluate(Predictions p) {
            if (p.size() == 100 && ++calls % 2 == 0) {
                return Double.NaN;
            }
            return new MisclassificationRate().evaluate(p);
        }
    }

    /** Answers the first call (the test split at step 0), then hangs. */
    public static final class HangingMetric implements Metric {
        private static final long serialVersionUID = 1L;
        private int calls;

        @Override
        public String id() {
            return "hanging";
        }

        @Override
        public double evaluate(Predictions p) {
            if (++calls > 1) {
                try {
                    Thread.sleep(3_600_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return 0.5;
        }
    }

    private static TaskRunner runner(MetricOptConfig config) {
        int[] pool =
                DataSplits.of(Fixtures.dataset(), config.data().pretrainCount())
                        .indices(Split.TASK_POOL);
        return new TaskRunner(
                Fixtures.dataset(),
                pool,
                config.data().metaTestPoolFraction(),
                Fixtures.randomTheta(config),
                300L);
    }

    private static TaskSpec multiclassTask(MetricOptConfig config) {
        TaskSampler sampler = new TaskSampler(config);
        return sampler.sampleFamily(TaskSampler.FINETUNE, "mcr-noisy", 0, 0);
    }

    @Test
    void nanObservationsAreDroppedAndTheTaskGoesOn() {
        MetricOptConfig config =
                Fixtures.smallConfig(
                        "tasks.families.mcr-noisy.metric=" + FlakyMetric.class.getName(),
                        "inner.observe-fraction=0.25");
        Trajectory t = runner(config).runBaseline(multiclassTask(config));
        assertThat(t.ok()).as(t.failure()).isTrue();
        long nan = Arrays.stream(t.observedMetrics()).filter(Double::isNaN).count();
        long valid = Arrays.stream(t.observedMetrics()).filter(Double::isFinite).count();
        assertThat(nan).isPositive();
        assertThat(valid).isGreaterThanOrEqualTo(2);
        assertThat(t.testMetricFinal()).isBetween(0.0, 1.0);
    }

    @Test
    void aHangingMetricIsTimedOutAndTheTaskFailsWithTheReason() {
        MetricOptConfig config =
                Fixtures.smallConfig(
                        "tasks.families.mcr-noisy.metric=" + HangingMetric.class.getName(),
                        "inner.observe-fraction=0.25");
        Trajectory t =
                assertTimeoutPreemptively(
                        Duration.ofSeconds(30),
                        () -> runner(config).runBaseline(multiclassTask(config)));
        assertThat(t.ok()).isFalse();
        assertThat(t.failure())
                .contains("metric observations were valid")
                .contains("metric-timeout-ms");
    }
}
