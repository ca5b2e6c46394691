package org.metricopt.executor;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.NetworkConfig;
import org.metricopt.common.config.Redaction;
import org.metricopt.common.nets.Theta;

/**
 * What an executor needs besides the tasks themselves: where the dataset and theta live, how to
 * split the data, the Hadoop settings of the driver (for hdfs: and s3a: URIs) and the DJL thread
 * count. Small and immutable; shipped inside the task closure.
 *
 * @param thetaDir the directory of the saved theta
 * @param hadoopSettings spark.hadoop.* settings of the driver, without the prefix (may hold
 *     credentials, so {@link #toString} masks them)
 * @param datasetChecksum SHA-256 of the dataset files as the driver validated them before the first
 *     job, or null; an executor that reads other bytes under {@code dataRoot} refuses to run
 * @param taskDataCacheMb {@code spark.task-data-cache-mb}: materialised task data kept per JVM
 */
public record ExecutorContext(
        String dataRoot,
        int pretrainCount,
        double metaTestPoolFraction,
        String thetaDir,
        NetworkConfig network,
        int djlThreads,
        TreeMap<String, String> hadoopSettings,
        long metricTimeoutMs,
        String datasetChecksum,
        int taskDataCacheMb)
        implements Serializable {

    public static ExecutorContext of(
            MetricOptConfig config,
            String thetaDir,
            Map<String, String> hadoopSettings,
            String datasetChecksum) {
        return new ExecutorContext(
                config.data().root(),
                config.data().pretrainCount(),
                config.data().metaTestPoolFraction(),
                thetaDir,
                config.network(),
                config.spark().djlThreads(),
                new TreeMap<>(hadoopSettings),
                config.inner().metricTimeoutMs(),
                datasetChecksum,
                config.spark().taskDataCacheMb());
    }

    /** Like the record's, with credentials in the Hadoop settings masked (it may be logged). */
    @Override
    public String toString() {
        TreeMap<String, String> shown = new TreeMap<>();
        hadoopSettings.forEach((k, v) -> shown.put(k, Redaction.value(k, v)));
        return "ExecutorContext[dataRoot="
                + Redaction.maskUriPasswords(dataRoot)
                + ", thetaDir="
                + Redaction.maskUriPasswords(thetaDir)
                + ", network="
                + network.signature()
                + ", hadoopSettings="
                + shown
                + ", datasetChecksum="
                + datasetChecksum
                + "]";
    }

    /**
     * Cache key of the per-JVM resources: every field the runner is built from (the loaded dataset
     * and theta, the checksum they were verified against, the metric timeout and the size of the
     * task-data cache), so that a JVM serving two runs never hands the second one the first one's
     * runner. Only {@code djlThreads} is left out: the engine is configured per call.
     */
    String cacheKey() {
        return dataKey() + "|" + metricTimeoutMs + "|" + taskDataCacheMb;
    }

    /**
     * What the loaded dataset, its task pool and theta depend on, and the checksum the dataset was
     * verified against: runners whose contexts differ only in the metric timeout or the cache size
     * share them.
     */
    String dataKey() {
        return dataRoot
                + "|"
                + pretrainCount
                + "|"
                + metaTestPoolFraction
                + "|"
                + thetaDir
                + "|"
                + network.signature()
                + "|"
                + hadoopSettings
                + "|"
                + datasetChecksum;
    }

    static String thetaManifest(String thetaDir) {
        return thetaDir + "/" + Theta.MANIFEST;
    }
}
