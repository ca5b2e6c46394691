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

    /**
     * The location of executor {@code executorId} on {@code host}, or "" (no preference) when the
     * host name holds an underscore: Spark splits the location at the first one after the tag, so
     * it would read another host and executor, and the preference would silently do nothing.
     */
    public static String of(String host, String executorId) {
        return host.contains("_") ? "" : TAG + host + "_" + executorId;
    }
}
