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
