package org.metricopt.common.outer;

import java.io.Serializable;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.TaskAdaptation;

/**
 * One phase-A task's result from its executor: the trajectory and, when the executor adapted the
 * value function to it (meta-train.adapt-on = executors, docs/DESIGN.md section 4.1), the
 * adaptation; null when it did not (a failed unroll, or adaptation on the driver).
 *
 * @param executor where the task ran, as a Spark task location ({@code executor_<host>_<id>}), so
 *     that phase B can prefer the executor whose task-data cache holds the task (docs/DESIGN.md
 *     section 5); empty when it ran outside Spark
 */
public record PhaseAResult(Trajectory trajectory, TaskAdaptation adaptation, String executor)
        implements Serializable {
    public PhaseAResult {
        if (executor == null) {
            throw new IllegalArgumentException("executor is null; use \"\" for none");
        }
    }
}
