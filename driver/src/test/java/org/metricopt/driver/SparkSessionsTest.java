package org.metricopt.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.NioLocalFileSystem;

/**
 * The defaults every MetricOpt session gets: fair scheduling between the unrolls' FIFO pool and the
 * log writes' pool, declared in a pools file that exists on the driver, unless the user chose
 * otherwise.
 */
class SparkSessionsTest {
    @Test
    void fairSchedulingWithTheProjectsPoolsUnlessTheUserSetThem() throws Exception {
        SparkConf conf = SparkSessions.applyDefaults(new SparkConf(false));
        assertThat(conf.get("spark.scheduler.mode")).isEqualTo("FAIR");
        assertThat(conf.get("spark.executor.defaultJavaOptions")).isEqualTo("-XX:+AlwaysPreTouch");
        String file = conf.get("spark.scheduler.allocation.file");
        assertThat(file).startsWith("file:");
        String xml = Files.readString(Path.of(new URI(file)));
        assertThat(xml)
                .contains("<pool name=\"default\">")
                .contains("<pool name=\"" + SparkSessions.WRITE_POOL + "\">")
                .contains("<minShare>1</minShare>");

        SparkConf mine =
                new SparkConf(false)
                        .set("spark.scheduler.mode", "FIFO")
                        .set("spark.scheduler.allocation.file", "hdfs:///conf/pools.xml")
                        .set("spark.executor.defaultJavaOptions", "-XX:+UseZGC");
        SparkSessions.applyDefaults(mine);
        assertThat(mine.get("spark.scheduler.mode")).isEqualTo("FIFO");
        assertThat(mine.get("spark.scheduler.allocation.file")).isEqualTo("hdfs:///conf/pools.xml");
        assertThat(mine.get("spark.executor.defaultJavaOptions")).isEqualTo("-XX:+UseZGC");
    }

    @Test
    void aPlainLocalFileSystemCachedBeforeTheSessionIsReplaced() throws Exception {
        // What SparkSubmit does before main: a file: lookup with a configuration without the key.
        java.net.URI local = java.net.URI.create("file:///");
        org.apache.hadoop.conf.Configuration plain = new org.apache.hadoop.conf.Configuration();
        plain.set("fs.file.impl", org.apache.hadoop.fs.LocalFileSystem.class.getName());
        SparkSessions.useConfiguredLocalFileSystem(plain);
        assertThat(org.apache.hadoop.fs.FileSystem.get(local, plain).getClass())
                .isEqualTo(org.apache.hadoop.fs.LocalFileSystem.class);

        org.apache.hadoop.conf.Configuration ours = new org.apache.hadoop.conf.Configuration();
        ours.set("fs.file.impl", NioLocalFileSystem.class.getName());
        SparkSessions.useConfiguredLocalFileSystem(ours);
        assertThat(org.apache.hadoop.fs.FileSystem.get(local, ours))
                .isInstanceOf(NioLocalFileSystem.class);
        // Already the configured one: left as it is.
        org.apache.hadoop.fs.FileSystem cached = org.apache.hadoop.fs.FileSystem.get(local, ours);
        SparkSessions.useConfiguredLocalFileSystem(ours);
        assertThat(org.apache.hadoop.fs.FileSystem.get(local, ours)).isSameAs(cached);
    }

    @Test
    void localFilesWithoutForkedChmodUnlessTheUserChoseAFileSystem() {
        String key = "spark.hadoop.fs.file.impl";
        assertThat(SparkSessions.applyDefaults(new SparkConf(false)).get(key))
                .isEqualTo(NioLocalFileSystem.class.getName());
        SparkConf mine = new SparkConf(false).set(key, "org.apache.hadoop.fs.LocalFileSystem");
        assertThat(SparkSessions.applyDefaults(mine).get(key))
                .isEqualTo("org.apache.hadoop.fs.LocalFileSystem");
    }

    @Test
    void loopbackAddressesOnlyForLocalMasters() {
        SparkConf local = SparkSessions.applyDefaults(new SparkConf(false).setMaster("local[2]"));
        assertThat(local.get("spark.driver.host")).isEqualTo("127.0.0.1");
        assertThat(local.get("spark.driver.bindAddress")).isEqualTo("127.0.0.1");
        assertThat(local.get("spark.ui.enabled")).isEqualTo("false");

        SparkConf cluster =
                SparkSessions.applyDefaults(
                        new SparkConf(false).setMaster("spark://master.example:7077"));
        assertThat(cluster.contains("spark.driver.host")).isFalse();
        assertThat(cluster.contains("spark.driver.bindAddress")).isFalse();
        assertThat(cluster.contains("spark.ui.enabled")).isFalse();

        SparkConf yarn = SparkSessions.applyDefaults(new SparkConf(false).setMaster("yarn"));
        assertThat(yarn.contains("spark.driver.host")).isFalse();
    }

    @Test
    void aStandaloneMasterNoOneListensOnIsANamedErrorBeforeSparkStarts() throws Exception {
        assertThatThrownBy(() -> SparkSessions.requireReachableMaster("spark://127.0.0.1:9"))
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("spark.master = spark://127.0.0.1:9 is unreachable")
                .extracting(e -> ((MetricOptException) e).errorClass())
                .isEqualTo(ErrorClass.IO_FAILURE);
        assertThatThrownBy(() -> SparkSessions.requireReachableMaster("spark://127.0.0.1:x"))
                .extracting(e -> ((MetricOptException) e).errorClass())
                .isEqualTo(ErrorClass.INVALID_CONFIG);
        try (java.net.ServerSocket master = new java.net.ServerSocket(0)) {
            int port = master.getLocalPort();
            // One reachable master of a high-availability list is enough.
            SparkSessions.requireReachableMaster("spark://127.0.0.1:9,127.0.0.1:" + port);
            SparkSessions.requireReachableMaster("spark://127.0.0.1:" + port);
        }
        SparkSessions.requireReachableMaster("local[2]");
        SparkSessions.requireReachableMaster("yarn");
    }
}
