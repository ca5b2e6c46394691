package org.metricopt.driver;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.executor.ExecutorContext;
import org.metricopt.executor.SparkTestBase;

/** The farm-out is a pure function of the tasks: executors and partitioning change nothing. */
class FarmOutTest extends SparkTestBase {

    @Test
    void sameTasksGiveBitIdenticalTrajectoriesOnOneOrTwoCoresAndAnyPartitioning(@TempDir Path dir) {
        MetricOptConfig config = Fixtures.smallConfig();
        String thetaDir = dir.toUri() + "theta";
        Fixtures.randomTheta(config).save(new Configuration(), thetaDir);
        ExecutorContext ctx = ExecutorContext.of(config, thetaDir, Map.of(), null);
        List<TaskSpec> specs = new TaskSampler(config).sampleBatch(TaskSampler.FINETUNE, 0, 6);

        List<Trajectory>[] runs = new List[3];
        withSpark("local[1]", spark -> runs[0] = FinetuneJob.runTasks(spark, ctx, specs, 1, "t1"));
        withSpark("local[2]", spark -> runs[1] = FinetuneJob.runTasks(spark, ctx, specs, 2, "t2"));
        withSpark("local[2]", spark -> runs[2] = FinetuneJob.runTasks(spark, ctx, specs, 5, "t3"));

        assertThat(runs[0]).hasSize(6).allMatch(Trajectory::ok);
        for (int r = 1; r < 3; r++) {
            for (int i = 0; i < 6; i++) {
                Trajectory a = runs[0].get(i);
                Trajectory b = runs[r].get(i);
                assertThat(b.taskId()).isEqualTo(a.taskId());
                assertThat(b.phis()).containsExactly(a.phis());
                assertThat(b.losses()).containsExactly(a.losses());
                assertThat(b.observedMetrics()).containsExactly(a.observedMetrics());
                assertThat(b.testMetricFinal()).isEqualTo(a.testMetricFinal());
            }
        }
        // And the Spark path equals the single-JVM path.
        Trajectory local =
                Fixtures.runner(config, Theta.load(new Configuration(), thetaDir, config.network()))
                        .runBaseline(specs.get(3));
        assertThat(runs[1].get(3).phis()).containsExactly(local.phis());
    }
}
