package org.metricopt.executor;

import java.util.function.Consumer;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Shared Spark setup of the tests, in the manner of Spark's own test bases: a local master, the app
 * named after the test, Kryo with mandatory registration, and the session stopped in {@code
 * finally}.
 */
public abstract class SparkTestBase {

    /** The configuration every test session uses. */
    public static SparkConf testConf(String master, String appName) {
        return new SparkConf()
                .setMaster(master)
                .setAppName(appName)
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", MetricOptKryoRegistrator.class.getName())
                .set("spark.kryo.registrationRequired", "true")
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.sql.shuffle.partitions", "2")
                .set("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000");
    }

    protected void withSpark(String master, Consumer<SparkSession> body) {
        SparkSession spark =
                SparkSession.builder()
                        .config(testConf(master, getClass().getSimpleName()))
                        .getOrCreate();
        try {
            body.accept(spark);
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }
}
