package org.metricopt.common.errors;

/**
 * Base of every error this project raises on purpose. Each carries a stable {@link ErrorClass}
 * (which also fixes the process exit code) and says whether retrying could help, in the manner of
 * Spark's error classes. Messages are one line: they name the key or path, the value and what is
 * allowed, and what to do.
 */
public class MetricOptException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorClass errorClass;

    public MetricOptException(ErrorClass errorClass, String message) {
        super(message);
        this.errorClass = errorClass;
    }

    public MetricOptException(ErrorClass errorClass, String message, Throwable cause) {
        super(message, cause);
        this.errorClass = errorClass;
    }

    public ErrorClass errorClass() {
        return errorClass;
    }

    /** Whether the same call may succeed if repeated (a lost executor, a flaky file system). */
    public boolean isTransient() {
        return errorClass.isTransient();
    }

    public int exitCode() {
        return errorClass.exitCode();
    }
}
