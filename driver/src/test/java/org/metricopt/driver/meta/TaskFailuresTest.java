package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.driver.RunDirectory;
import org.metricopt.executor.SparkTestBase;

/**
 * A task that throws is recorded as failed and the iteration goes on while failures stay under
 * meta-train.max-failed-fraction; past it the run stops with a clear message and the last
 * checkpoint stays intact and resumable.
 */
class TaskFailuresTest extends SparkTestBase {

    private static MetricOptConfig config(Path theta, String... extra) {
        List<String> o = new ArrayList<>();
        o.addAll(MetaTrainRuns.TINY);
        o.add("meta-train.tasks-per-iteration=6");
        o.add("meta-train.checkpoint-every=1");
        // Joint meta-training: phase B runs on the tasks that did not fail.
        o.add("learned-optimizer.enabled=true");
        o.add("learned-optimizer.hidden=4");
        o.add("learned-optimizer.pairs-per-task=1");
        // A family whose metric cannot be loaded: every one of its tasks fails.
        o.add("tasks.families.broken.kind=multiclass");
        o.add("tasks.families.broken.metric=com.example.NoSuchMetric");
        o.add("tasks.mixture.broken=1.0");
        o.add("pretrain.path=\"" + theta.toUri() + "\"");
        o.addAll(List.of(extra));
        return Fixtures.smallConfig(o.toArray(String[]::new));
    }

    private static PrintStream silent() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }

    private static RunDirectory runDirectory(SparkSession spark, Path tmp) {
        return new RunDirectory(
                spark.sparkContext().hadoopConfiguration(), tmp.resolve("run").toUri().toString());
    }

    @Test
    void failedTasksAreRecordedAndTooManyStopTheRunWithTheCheckpointIntact(@TempDir Path tmp) {
        Path theta = tmp.resolve("theta");
        MetricOptConfig tolerant =
                config(theta, "meta-train.iterations=1", "meta-train.max-failed-fraction=0.9");
        Fixtures.saveRandomTheta(tolerant, theta);
        PrintStream out = silent();
        withSpark(
                "local[2]",
                spark -> {
                    RunDirectory run = runDirectory(spark, tmp);
                    MetaState first = MetaTrainJob.run(spark, tolerant, run, false, out);
                    assertThat(first.iteration()).isEqualTo(1);
                    Row row = spark.read().parquet(run.path("metrics")).collectAsList().get(0);
                    int failed = row.getInt(row.fieldIndex("failed_tasks"));
                    assertThat(failed).as("some tasks of the broken family failed").isPositive();
                    assertThat(failed).isLessThan(6);

                    MetricOptConfig strict =
                            config(
                                    theta,
                                    "meta-train.iterations=3",
                                    "meta-train.max-failed-fraction=0.0");
                    assertThatThrownBy(() -> MetaTrainJob.run(spark, strict, run, true, out))
                            .isInstanceOf(MetricOptException.class)
                            .satisfies(
                                    e ->
                                            assertThat(((MetricOptException) e).errorClass())
                                                    .isEqualTo(ErrorClass.TOO_MANY_TASK_FAILURES))
                            .hasMessageContaining("meta-train.max-failed-fraction")
                            .hasMessageContaining("NoSuchMetric")
                            .hasMessageContaining("last checkpoint is intact");
                    MetaState after =
                            Checkpoints.latest(new Configuration(), run.uri()).orElseThrow();
                    assertThat(after.iteration()).isEqualTo(1);
                    assertThat(after.array(MetaState.VALUE_WEIGHTS))
                            .containsExactly(first.array(MetaState.VALUE_WEIGHTS));
                    assertThat(after.array(MetaState.LEARNED_WEIGHTS))
                            .containsExactly(first.array(MetaState.LEARNED_WEIGHTS));
                });
    }

    @Test
    void aRunThatStopsStillWritesTheLogsOfTheIterationsItFinished(@TempDir Path tmp) {
        Path theta = tmp.resolve("theta");
        // Logs are due only with a checkpoint, and the first checkpoint would come at iteration 5.
        String[] common = {
            "learned-optimizer.enabled=false",
            "meta-train.iterations=3",
            "meta-train.checkpoint-every=5",
            "meta-train.log-interval-s=86400",
            "meta-train.max-failed-fraction=0.0"
        };
        // A seed whose iteration 0 has no task of the broken family and whose iteration 1 has.
        MetricOptConfig config = null;
        for (int seed = 1; config == null; seed++) {
            List<String> o = new ArrayList<>(List.of(common));
            o.add("seed=" + seed);
            MetricOptConfig c = config(theta, o.toArray(String[]::new));
            boolean firstClean =
                    MetaLearner.tasks(c, 0).stream().noneMatch(t -> t.family().equals("broken"));
            boolean secondBroken =
                    MetaLearner.tasks(c, 1).stream().anyMatch(t -> t.family().equals("broken"));
            if (firstClean && secondBroken) {
                config = c;
            }
        }
        MetricOptConfig chosen = config;
        Fixtures.saveRandomTheta(chosen, theta);
        PrintStream out = silent();
        withSpark(
                "local[2]",
                spark -> {
                    RunDirectory run = runDirectory(spark, tmp);
                    assertThatThrownBy(() -> MetaTrainJob.run(spark, chosen, run, false, out))
                            .isInstanceOf(MetricOptException.class)
                            .hasMessageContaining("meta-iteration 1:");
                    List<Row> rows = spark.read().parquet(run.path("metrics")).collectAsList();
                    assertThat(rows).hasSize(1);
                    assertThat(rows.get(0).getInt(rows.get(0).fieldIndex("iteration"))).isZero();
                    assertThat(spark.read().parquet(run.path("trajectories")).count()).isPositive();
                    assertThat(Checkpoints.latest(new Configuration(), run.uri())).isEmpty();
                });
    }
}
