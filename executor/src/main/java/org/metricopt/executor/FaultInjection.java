package org.metricopt.executor;

import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * Deliberate faults for the failure tests: when the Spark setting {@code
 * spark.metricopt.test.failFirstAttempt} names a phase ({@code finetune}, {@code eval}, {@code
 * es}), the first attempt of every Spark task of that phase throws, so Spark must retry it. Off
 * unless that setting is present; never set by the CLI.
 */
public final class FaultInjection {
    public static final String FAIL_FIRST_ATTEMPT = "spark.metricopt.test.failFirstAttempt";

    private FaultInjection() {}

    static void maybeFail(String phase) {
        TaskContext tc = TaskContext.get();
        SparkEnv env = SparkEnv.get();
        if (tc == null || env == null || tc.attemptNumber() > 0) {
            return;
        }
        String phases = env.conf().get(FAIL_FIRST_ATTEMPT, "");
        if (!phases.isEmpty() && java.util.Arrays.asList(phases.split(",")).contains(phase)) {
            throw new IllegalStateException(
                    "injected failure of the first attempt of a "
                            + phase
                            + " task (partition "
                            + tc.partitionId()
                            + ")");
        }
    }
}
