package org.metricopt.common.outer;

import java.io.Serializable;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.TaskAdaptation;

/**
 * One phase-A task's result from its executor: the trajectory and, when the executor adapted the
 * value function to it (meta-train.adapt-on = executors, docs/DESIGN.md section 4.1), the
 * adaptation; null when it did not (a failed unroll, or adaptation on the driver).
 */
public record PhaseAResult(Trajectory trajectory, TaskAdaptation adaptation)
        implements Serializable {}
