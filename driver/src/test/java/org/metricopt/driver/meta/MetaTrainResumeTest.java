package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.outer.ConfigFingerprint;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.driver.RunDirectory;
import org.metricopt.executor.SparkTestBase;

/**
 * Resume is exact (docs/DESIGN.md section 5): two iterations, a stop and a resume to four give
 * bit-identical value-function weights to four uninterrupted iterations, and the Parquet logs of
 * the resumed run hold each iteration once. A run directory is never reused by accident.
 */
class MetaTrainResumeTest extends SparkTestBase {
    private static final int STEPS = 10;
    private static final int TASKS = 3;

    private static MetricOptConfig config(Path theta, String... extra) {
        List<String> o = new ArrayList<>();
        o.add("tasks.train-size=200");
        o.add("tasks.val-size=100");
        o.add("tasks.test-size=100");
        o.add("inner.steps=" + STEPS);
        o.add("inner.batch-size=16");
        o.add("meta-train.tasks-per-iteration=" + TASKS);
        o.add("meta-train.checkpoint-every=1");
        o.add("value-function.hidden=8");
        o.add("pretrain.path=\"" + theta.toUri() + "\"");
        o.addAll(List.of(extra));
        return Fixtures.smallConfig(o.toArray(String[]::new));
    }

    private static PrintStream sink(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    @Test
    void resumedRunIsBitIdenticalToAnUninterruptedOne(@TempDir Path tmp) {
        Path theta = tmp.resolve("theta");
        MetricOptConfig four = config(theta, "meta-train.iterations=4");
        MetricOptConfig two = config(theta, "meta-train.iterations=2");
        Fixtures.saveRandomTheta(four, theta);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = sink(log);

        withSpark(
                "local[2]",
                spark -> {
                    Configuration conf = spark.sparkContext().hadoopConfiguration();
                    RunDirectory a = new RunDirectory(conf, tmp.resolve("a").toUri().toString());
                    RunDirectory b = new RunDirectory(conf, tmp.resolve("b").toUri().toString());

                    // Run a writes its logs in one batch, with its only checkpoint at the end.
                    MetaState finalA =
                            MetaTrainJob.run(
                                    spark,
                                    config(
                                            theta,
                                            "meta-train.iterations=4",
                                            "meta-train.checkpoint-every=4",
                                            "meta-train.log-interval-s=86400"),
                                    a,
                                    false,
                                    out);
                    assertThat(finalA.iteration()).isEqualTo(4);

                    // Run a submits each iteration's phase A one iteration ahead; run b's
                    // iteration 1 is not (it is its last), so this also checks that submitting
                    // ahead changes nothing.
                    MetaState stopped = MetaTrainJob.run(spark, two, b, false, out);
                    assertThat(stopped.iteration()).isEqualTo(2);
                    // "Killed" after iteration 2: a fresh call must pick up from the checkpoint.
                    MetaState resumed = MetaTrainJob.run(spark, four, b, true, out);
                    assertThat(resumed.iteration()).isEqualTo(4);
                    assertThat(log.toString(StandardCharsets.UTF_8))
                            .contains("resuming meta-training at iteration 2 of 4");

                    MetaState ckA = Checkpoints.latest(conf, a.uri()).orElseThrow();
                    MetaState ckB = Checkpoints.latest(conf, b.uri()).orElseThrow();
                    assertThat(ckA.iteration()).isEqualTo(4);
                    assertThat(ckB.iteration()).isEqualTo(4);
                    float[] wa = ckA.array(MetaState.VALUE_WEIGHTS);
                    float[] wb = ckB.array(MetaState.VALUE_WEIGHTS);
                    assertThat(wb).containsExactly(wa);
                    assertThat(wa)
                            .as("meta-training moved the weights")
                            .isNotEqualTo(
                                    MetaLearner.initialState(four).array(MetaState.VALUE_WEIGHTS));
                    assertThat(ckB.array(MetaState.SCALER_MEAN))
                            .containsExactly(ckA.array(MetaState.SCALER_MEAN));
                    assertThat(ckB.array(MetaState.SCALER_STD))
                            .containsExactly(ckA.array(MetaState.SCALER_STD));
                    assertThat(finalA.array(MetaState.VALUE_WEIGHTS)).containsExactly(wa);

                    assertLogs(spark, a);
                    assertLogs(spark, b);
                    assertLogsEqual(spark, a, b);

                    // Conflicts are reported before anything expensive: with no theta under
                    // pretrain.path, neither call may start pre-training it.
                    Path noTheta = tmp.resolve("no-theta");
                    MetricOptConfig fourElsewhere =
                            config(
                                    noTheta,
                                    "meta-train.iterations=4",
                                    "pretrain.epochs=1",
                                    "data.pretrain-count=2000");
                    assertThatThrownBy(() -> MetaTrainJob.run(spark, fourElsewhere, b, false, out))
                            .isInstanceOfSatisfying(
                                    MetricOptException.class,
                                    e -> {
                                        assertThat(e.errorClass())
                                                .isEqualTo(ErrorClass.RUN_DIR_CONFLICT);
                                        assertThat(e.getMessage())
                                                .contains(b.uri())
                                                .contains("--resume");
                                    });

                    MetricOptConfig otherSeed =
                            config(
                                    noTheta,
                                    "meta-train.iterations=6",
                                    "seed=7",
                                    "pretrain.epochs=1",
                                    "data.pretrain-count=2000");
                    String mine = ConfigFingerprint.of(four);
                    String theirs = ConfigFingerprint.of(otherSeed);
                    assertThat(theirs).isNotEqualTo(mine);
                    assertThatThrownBy(() -> MetaTrainJob.run(spark, otherSeed, b, true, out))
                            .isInstanceOfSatisfying(
                                    MetricOptException.class,
                                    e -> {
                                        assertThat(e.errorClass())
                                                .isEqualTo(ErrorClass.RUN_DIR_CONFLICT);
                                        assertThat(e.getMessage()).contains(mine).contains(theirs);
                                    });
                    assertThat(noTheta).as("nothing was pre-trained").doesNotExist();
                    // The failed attempts changed nothing.
                    assertThat(Checkpoints.latest(conf, b.uri()).orElseThrow().iteration())
                            .isEqualTo(4);
                });
    }

    @Test
    void fingerprintIgnoresHowLongAndWhereARunIsExecuted(@TempDir Path tmp) {
        Path theta = tmp.resolve("theta");
        String base = ConfigFingerprint.of(config(theta, "meta-train.iterations=2"));
        assertThat(
                        ConfigFingerprint.of(
                                config(
                                        tmp.resolve("elsewhere"),
                                        "meta-train.iterations=40",
                                        "meta-train.checkpoint-every=5",
                                        "meta-train.log-interval-s=0",
                                        "spark.master=local[1]",
                                        "eval.tasks-per-family=3")))
                .isEqualTo(base);
        assertThat(ConfigFingerprint.of(config(theta, "value-function.hidden=9")))
                .isNotEqualTo(base);
        assertThat(ConfigFingerprint.of(config(theta, "inner.steps=11"))).isNotEqualTo(base);
    }

    /** One metrics row per iteration 0..3, (steps + 1) x tasks trajectory rows per iteration. */
    private static void assertLogs(SparkSession spark, RunDirectory run) {
        Dataset<Row> metrics = spark.read().parquet(run.path("metrics"));
        assertThat(metrics.columns()).contains("iteration", "vf_loss_before_adapt", "tasks");
        List<Row> rows = metrics.select("iteration", "tasks", "failed_tasks").collectAsList();
        assertThat(rows).hasSize(4);
        assertThat(rows.stream().map(r -> ((Number) r.get(0)).longValue()).sorted().toList())
                .containsExactly(0L, 1L, 2L, 3L);
        assertThat(rows).allSatisfy(r -> assertThat(r.getInt(1)).isEqualTo(TASKS));

        for (long it = 0; it < 4; it++) {
            for (String dir : List.of("metrics", "trajectories")) {
                assertThat(
                                org.metricopt.common.io.HadoopFiles.exists(
                                        run.hadoopConf(),
                                        run.path(dir)
                                                + String.format("/iteration=%06d/_SUCCESS", it)))
                        .as(dir + " of iteration " + it + " is marked complete")
                        .isTrue();
            }
        }

        Dataset<Row> traj = spark.read().parquet(run.path("trajectories"));
        assertThat(traj.columns())
                .contains("iteration", "task_id", "step", "loss", "interp_mean", "vf_prediction");
        Map<Long, Long> perIteration = new TreeMap<>();
        for (Row r : traj.groupBy("iteration").count().collectAsList()) {
            perIteration.put(((Number) r.get(0)).longValue(), r.getLong(1));
        }
        long expected = (long) (STEPS + 1) * TASKS;
        assertThat(perIteration)
                .containsExactlyEntriesOf(
                        new TreeMap<>(
                                Map.of(0L, expected, 1L, expected, 2L, expected, 3L, expected)));
        assertThat(traj.filter("observed_metric is not null").count())
                .as("the metric is observed at step 0 and at step T at least")
                .isGreaterThanOrEqualTo(2L * 4 * TASKS);
    }

    /** The resumed run logged the same trajectories and value-function predictions. */
    private static void assertLogsEqual(SparkSession spark, RunDirectory a, RunDirectory b) {
        String cols = "iteration, task_id, step, loss, observed_metric, interp_mean, vf_prediction";
        List<Row> ra =
                spark.read()
                        .parquet(a.path("trajectories"))
                        .selectExpr(cols.split(", "))
                        .orderBy("iteration", "task_id", "step")
                        .collectAsList();
        List<Row> rb =
                spark.read()
                        .parquet(b.path("trajectories"))
                        .selectExpr(cols.split(", "))
                        .orderBy("iteration", "task_id", "step")
                        .collectAsList();
        assertThat(rb).isEqualTo(ra);
    }
}
