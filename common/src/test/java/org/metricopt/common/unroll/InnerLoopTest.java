package org.metricopt.common.unroll;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;

class InnerLoopTest {

    @Test
    void trajectoryHasTheContractedShapeAndObservesFirstAndLastStep() {
        MetricOptConfig config = Fixtures.smallConfig("inner.observe-fraction=0.2");
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSpec spec = new TaskSampler(config).sample(TaskSampler.FINETUNE, 0, 0);
        Trajectory t = runner.runBaseline(spec);
        assertThat(t.ok()).as(t.failure()).isTrue();
        assertThat(t.steps()).isEqualTo(20);
        assertThat(t.phis()).hasSize(21 * 128);
        assertThat(t.observedSteps()).containsExactly(0, 5, 10, 15, 20);
        assertThat(t.observedMetrics()).hasSize(5);
        assertThat(java.util.Arrays.stream(t.observedMetrics()).boxed().toList())
                .allMatch(m -> m >= 0 && m <= 1);
        assertThat(t.phi(0)).containsOnly(0f);
        assertThat(t.phi(20)).isNotEqualTo(t.phi(0));
        assertThat(t.testMetricInitial()).isBetween(0.0, 1.0);
    }

    @Test
    void probesObserveTheMetricAtKeyedAntitheticPointsAroundEachObservation() {
        MetricOptConfig config = Fixtures.smallConfig("inner.observe-fraction=0.2");
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSpec spec =
                new TaskSampler(config).sample(TaskSampler.FINETUNE, 0, 0).withProbes(2, 3.0);
        Trajectory t = runner.runBaseline(spec);
        assertThat(t.ok()).as(t.failure()).isTrue();
        int k = t.observedSteps().length;
        assertThat(t.probeMetrics()).hasSize(k * 2 * 2);
        // Recompute observation 2's second pair by hand: the offsets are regenerated from the key.
        float[] delta = Probes.delta(spec.seed(), 2, 1, 128, 3.0);
        double norm = 0;
        for (float v : delta) {
            norm += v * v;
        }
        assertThat(Math.sqrt(norm)).isBetween(2.0, 4.0);
        float[] phi = t.phi(t.observedSteps()[2]);
        float[] plus = phi.clone();
        float[] minus = phi.clone();
        for (int i = 0; i < plus.length; i++) {
            plus[i] += delta[i];
            minus[i] -= delta[i];
        }
        org.metricopt.common.metrics.Metric metric =
                org.metricopt.common.metrics.Metrics.load(spec.metric());
        double[] expected =
                runner.withNetwork(
                        spec,
                        (data, net) ->
                                new double[] {
                                    metric.evaluate(
                                            new org.metricopt.common.metrics.Predictions(
                                                    net.validationOutputs(plus),
                                                    spec.numOutputs(),
                                                    data.valY())),
                                    metric.evaluate(
                                            new org.metricopt.common.metrics.Predictions(
                                                    net.validationOutputs(minus),
                                                    spec.numOutputs(),
                                                    data.valY()))
                                });
        assertThat(t.probeMetrics()[(2 * 2 + 1) * 2]).isEqualTo(expected[0]);
        assertThat(t.probeMetrics()[(2 * 2 + 1) * 2 + 1]).isEqualTo(expected[1]);
        // Probing observes the metric only: the trajectory is that of the unprobed unroll.
        Trajectory plain = runner.runBaseline(spec.withProbes(0, 0.0));
        assertThat(plain.phis()).containsExactly(t.phis());
        assertThat(plain.probeMetrics()).isEmpty();
    }

    @Test
    void bestObservedIsTheTestMetricWhereTheValidationMetricWasLowest() {
        MetricOptConfig config = Fixtures.smallConfig("inner.observe-fraction=0.2");
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSpec spec = new TaskSampler(config).sample(TaskSampler.FINETUNE, 0, 3);
        Trajectory t = runner.runBaseline(spec);
        assertThat(t.ok()).as(t.failure()).isTrue();
        int best = 0;
        for (int k = 1; k < t.observedMetrics().length; k++) {
            if (t.observedMetrics()[k] < t.observedMetrics()[best]) {
                best = k;
            }
        }
        float[] phi = t.phi(t.observedSteps()[best]);
        org.metricopt.common.metrics.Metric metric =
                org.metricopt.common.metrics.Metrics.load(spec.metric());
        double expected =
                runner.withNetwork(
                        spec,
                        (data, net) ->
                                metric.evaluate(
                                        new org.metricopt.common.metrics.Predictions(
                                                net.testOutputs(phi),
                                                spec.numOutputs(),
                                                data.testY())));
        assertThat(t.testMetricBestObserved()).isEqualTo(expected);
    }

    @Test
    void featuresDescribeTheTrainingSplitWithoutValidationOrTestLabels() {
        MetricOptConfig config = Fixtures.smallConfig();
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSampler sampler = new TaskSampler(config);
        for (int i = 0; i < 6; i++) {
            TaskSpec spec = sampler.sample(TaskSampler.FINETUNE, 0, i);
            Trajectory t = runner.runBaseline(spec);
            float[] f = t.features();
            assertThat(f).hasSize(org.metricopt.common.valuefn.TaskFeatures.SIZE);
            assertThat(f[0]).as("training loss at phi_0").isPositive();
            assertThat(f[2]).as("pixel spread").isPositive();
            double sum = 0;
            for (int c = 0; c < 10; c++) {
                sum += f[3 + c];
            }
            if (spec.isBinary()) {
                assertThat(f[3 + spec.classes()[0]]).isEqualTo(1f);
                assertThat(f[13]).isBetween(0f, 0.5f);
            } else {
                assertThat(sum).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-5));
                for (int c = 0; c < 10; c++) {
                    int cls = c;
                    boolean inTask =
                            java.util.Arrays.stream(spec.classes()).anyMatch(x -> x == cls);
                    if (!inTask) {
                        assertThat(f[3 + c]).isZero();
                    }
                }
            }
        }
    }

    @Test
    void sameTaskGivesBitIdenticalTrajectoriesAndOtherTasksDiffer() {
        MetricOptConfig config = Fixtures.smallConfig();
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSampler sampler = new TaskSampler(config);
        Trajectory a = runner.runBaseline(sampler.sample(TaskSampler.FINETUNE, 0, 1));
        Trajectory b = runner.runBaseline(sampler.sample(TaskSampler.FINETUNE, 0, 1));
        Trajectory c = runner.runBaseline(sampler.sample(TaskSampler.FINETUNE, 0, 2));
        assertThat(a.phis()).containsExactly(b.phis());
        assertThat(a.losses()).containsExactly(b.losses());
        assertThat(a.observedMetrics()).containsExactly(b.observedMetrics());
        assertThat(a.losses()).isNotEqualTo(c.losses());
    }

    @Test
    void failingMetricFailsTheTaskWithItsReasonInsteadOfThrowing() {
        MetricOptConfig config =
                Fixtures.smallConfig("tasks.families.input-shift.metric=com.example.DoesNotExist");
        TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        TaskSampler sampler = new TaskSampler(config);
        List<Trajectory> shift = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            TaskSpec spec = sampler.sample(TaskSampler.FINETUNE, 0, i);
            Trajectory t = runner.runBaseline(spec);
            if (spec.family().equals("input-shift")) {
                shift.add(t);
            } else {
                assertThat(t.ok()).isTrue();
            }
        }
        assertThat(shift)
                .isNotEmpty()
                .allSatisfy(
                        t -> {
                            assertThat(t.ok()).isFalse();
                            assertThat(t.failure()).contains("com.example.DoesNotExist");
                        });
    }

    /**
     * Native memory is released: no native manager survives a task. (RSS is not asserted here: the
     * native allocator keeps growing its caches for about a thousand tasks before it plateaus,
     * which is what the memory benchmark measures.)
     */
    @Test
    void nativeManagersAreReleasedOver200Tasks() {
        MetricOptConfig config = Fixtures.smallConfig("inner.steps=5", "tasks.train-size=200");
        Theta theta = Fixtures.randomTheta(config);
        TaskRunner runner = Fixtures.runner(config, theta);
        TaskSampler sampler = new TaskSampler(config);
        runner.runBaseline(sampler.sample(TaskSampler.FINETUNE, 1, 0));
        int managersBefore = Fixtures.liveManagers();
        for (int i = 0; i < 200; i++) {
            assertThat(runner.runBaseline(sampler.sample(TaskSampler.FINETUNE, 2, i)).ok())
                    .isTrue();
            if (i % 50 == 0) {
                assertThat(Fixtures.liveManagers()).isEqualTo(managersBefore);
            }
        }
        assertThat(Fixtures.liveManagers()).isEqualTo(managersBefore);
    }
}
