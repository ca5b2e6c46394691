package org.metricopt.executor;

import org.apache.spark.SparkEnv;

/**
 * Where this code runs, in the form Spark's scheduler reads as a preferred location for one
 * executor ({@code executor_<host>_<executorId>}, an {@code ExecutorCacheTaskLocation}): phase B
 * asks for the executor that unrolled the task in phase A, whose task-data cache still holds it.
 */
public final class ExecutorLocation {
    /** The prefix Spark's {@code TaskLocation} gives an executor-level location. */
    static final String TAG = "executor_";

    private ExecutorLocation() {}

    /** This JVM's executor location, or "" outside a Spark executor (or driver). */
    public static String current() {
        SparkEnv env = SparkEnv.get();
        if (env == null || env.blockManager() == null) {
            return "";
        }
        return of(env.blockManager().blockManagerId().host(), env.executorId());
    }

    /** The location of executor {@code executorId} on {@code host}. */
    public static String of(String host, String executorId) {
        return TAG + host + "_" + executorId;
    }
}
