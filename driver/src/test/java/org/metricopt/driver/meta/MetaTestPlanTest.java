package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.Method;
import org.metricopt.common.unroll.TaskStatus;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.executor.EvalUnit;

/** Which unrolls meta-test runs and tunes, and how it chooses a setting. */
class MetaTestPlanTest {
    private static final MetricOptConfig CONFIG =
            Fixtures.smallConfig(
                    "eval.methods=[ce-adam-best-observed, metricopt-sgd, metricopt-random-adam,"
                            + " ap-surrogate]");

    @Test
    void bestObservedBaselinesReuseTheirCeUnrollAndValueGuidedMethodsTuneTheirCeBaseline() {
        assertThat(MetaTestJob.unrolledMethods(CONFIG, "aucpr-imbalanced", false))
                .containsExactly(
                        "ce-adam", "metricopt-sgd", "metricopt-random-adam", "ap-surrogate");
        assertThat(MetaTestJob.tunedByLearningRate(CONFIG, "aucpr-imbalanced", false))
                .containsExactly("ce-adam", "ce-sgd", "ap-surrogate");
        // ap-surrogate is a one-vs-rest method.
        assertThat(MetaTestJob.tunedByLearningRate(CONFIG, "mcr-noisy", false))
                .containsExactly("ce-adam", "ce-sgd");
        assertThat(MetaTestJob.baselineOf("metricopt-random-adam")).isEqualTo("ce-adam");
        assertThat(MetaTestJob.baselineOf("metricopt-sgd")).isEqualTo("ce-sgd");
        assertThat(Method.of("ce-sgd-best-observed").baseOptimizer()).isEqualTo("sgd");
        assertThat(Method.of("metricopt-random-adam").baseOptimizer()).isEqualTo("adam");
    }

    private static Trajectory finished(double lastValidation) {
        return new Trajectory(
                "t",
                0,
                "mcr-noisy",
                "m",
                TaskStatus.OK,
                "",
                1,
                new float[2],
                new float[2],
                new int[] {0, 1},
                new double[] {0.9, lastValidation},
                new double[] {0.9, lastValidation},
                0.9,
                lastValidation,
                lastValidation,
                new float[0],
                new double[0],
                new double[0],
                0L);
    }

    @Test
    void theSettingWithTheLowestMeanFinalValidationMetricWinsAndAFailureCountsAsVeryBad() {
        TaskSampler sampler = new TaskSampler(CONFIG);
        TaskSpec a = sampler.sampleFamily(TaskSampler.VALIDATION, "mcr-noisy", 0, 0);
        TaskSpec b = sampler.sampleFamily(TaskSampler.VALIDATION, "mcr-noisy", 0, 1);
        List<EvalUnit> units =
                List.of(
                        new EvalUnit(a, "metricopt-sgd", 0.1, 0.1),
                        new EvalUnit(b, "metricopt-sgd", 0.1, 0.1),
                        new EvalUnit(a, "metricopt-sgd", 0.1, 0.3),
                        new EvalUnit(b, "metricopt-sgd", 0.1, 0.3),
                        new EvalUnit(a, "metricopt-sgd", 0.1, 1.0),
                        new EvalUnit(b, "metricopt-sgd", 0.1, 1.0));
        List<Trajectory> results =
                List.of(
                        finished(0.20),
                        finished(0.30),
                        finished(0.22),
                        finished(0.24),
                        finished(0.01),
                        Trajectory.failed("t", 0, "mcr-noisy", "m", "diverged", 0L));
        Map<String, Double> chosen = MetaTestJob.choose(units, results, EvalUnit::lambda);
        assertThat(chosen).containsExactly(Map.entry("mcr-noisy|metricopt-sgd", 0.3));
    }
}
