package org.metricopt.driver.meta;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListenerInterface;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.outer.MetaState;
import org.metricopt.driver.RunDirectory;

/** Meta-training in a fresh Spark session of its own, for the determinism tests. */
final class MetaTrainRuns {
    private MetaTrainRuns() {}

    /**
     * The small task and inner-loop settings the meta-training tests share: 200/100/100 examples, T
     * = 10 steps of batch 16, a value function of 8 hidden units.
     */
    static final List<String> TINY =
            List.of(
                    "tasks.train-size=200",
                    "tasks.val-size=100",
                    "tasks.test-size=100",
                    "inner.steps=10",
                    "inner.batch-size=16",
                    "value-function.hidden=8");

    /**
     * Meta-trains {@code config} into {@code dir} on a session built from {@code conf}, with {@code
     * listener} (or null) registered first; stops the session; returns the final state.
     */
    static MetaState train(
            SparkConf conf, MetricOptConfig config, Path dir, SparkListenerInterface listener) {
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        if (listener != null) {
            spark.sparkContext().addSparkListener(listener);
        }
        try {
            RunDirectory run =
                    new RunDirectory(
                            spark.sparkContext().hadoopConfiguration(), dir.toUri().toString());
            return MetaTrainJob.run(
                    spark,
                    config,
                    run,
                    false,
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }
}
