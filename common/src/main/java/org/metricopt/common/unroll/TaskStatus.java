package org.metricopt.common.unroll;

/** How a task's unroll ended; the {@link #id()} is what Parquet rows and reports carry. */
public enum TaskStatus {
    /** The unroll finished; its observations may still include dropped (NaN) metric calls. */
    OK("ok"),
    /** The unroll threw; the trajectory holds the reason and no numbers. */
    FAILED("failed");

    private final String id;

    TaskStatus(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The status with this id. */
    public static TaskStatus of(String id) {
        for (TaskStatus s : values()) {
            if (s.id.equals(id)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown task status '" + id + "'; known: ok, failed");
    }
}
