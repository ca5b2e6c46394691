package org.metricopt.common.config;

import java.io.Serializable;
import java.util.List;

/**
 * Meta-test: held-out tasks, the equal tuning budget of every method, and the methods compared.
 *
 * @param lrGrid learning-rate multipliers tried on validation tasks for every method
 */
public record EvalConfig(
        int tasksPerFamily, int validationTasksPerFamily, double[] lrGrid, List<String> methods)
        implements Serializable {
    public static final List<String> KNOWN_METHODS =
            List.of(
                    "ce-sgd",
                    "ce-adam",
                    "ap-surrogate",
                    "metricopt-sgd",
                    "metricopt-adam",
                    "metricopt-learned");
}
