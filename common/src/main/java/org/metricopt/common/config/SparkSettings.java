package org.metricopt.common.config;

import java.io.Serializable;

/**
 * How the driver talks to Spark when it is not launched by spark-submit.
 *
 * @param master the master URL used when spark.master is not set already
 * @param partitions partitions per task batch; 0 = automatic
 * @param djlThreads intra-op threads of the PyTorch engine per task
 * @param eventLog write Spark's event log into the run directory ({@code eventlog/}), for a History
 *     Server, unless spark.eventLog.enabled is set already
 * @param taskDataCacheMb per executor JVM, the materialised task data kept for the task's next
 *     unroll (phase B after phase A, the methods of meta-test), in MiB; 0 keeps none
 * @param phaseBLocality ask Spark to run each task's phase-B unit on the executor that ran its
 *     phase-A unroll, whose task-data cache holds the task
 */
public record SparkSettings(
        String master,
        String appName,
        int partitions,
        int djlThreads,
        boolean eventLog,
        int taskDataCacheMb,
        boolean phaseBLocality)
        implements Serializable {}
