package org.metricopt.common.errors;

/**
 * Stable error classes. The exit code of the CLI is a function of the class, so scheduled jobs can
 * tell bad input (fix the configuration) from failures (retry or page someone).
 */
public enum ErrorClass {
    /** A configuration key is unknown, has the wrong type or an out-of-range value. */
    INVALID_CONFIG(2, false),
    /** A command-line argument is malformed. */
    INVALID_ARGUMENT(2, false),
    /** A dataset file is missing, truncated or malformed. */
    INVALID_DATASET(3, false),
    /** A checkpoint or saved model is corrupt or of an unknown format version. */
    INVALID_CHECKPOINT(4, false),
    /** A run directory belongs to another configuration. */
    RUN_DIR_CONFLICT(5, false),
    /** A metric plug-in could not be loaded or misbehaved. */
    METRIC_FAILURE(6, false),
    /** Too many finetuning tasks failed in one meta-iteration. */
    TOO_MANY_TASK_FAILURES(7, false),
    /** Reading or writing the file system failed. */
    IO_FAILURE(8, true),
    /** Anything else that went wrong while running. */
    INTERNAL(1, false);

    private final int exitCode;
    private final boolean isTransient;

    ErrorClass(int exitCode, boolean isTransient) {
        this.exitCode = exitCode;
        this.isTransient = isTransient;
    }

    public int exitCode() {
        return exitCode;
    }

    public boolean isTransient() {
        return isTransient;
    }
}
