package org.metricopt.common.config;

import java.io.Serializable;
import java.util.List;
import org.metricopt.common.unroll.Method;

/**
 * Meta-test: held-out tasks, the equal tuning budget of every method, and the methods compared.
 *
 * @param lrGrid learning-rate multipliers tried on validation tasks for every method that has its
 *     own learning rate
 * @param lambdaGrid lambda_v values tried on validation tasks by the value-guided methods
 *     (MetricOpt and its random-direction control), at the learning rate chosen for their base
 *     optimizer's CE baseline: the same number of tuning unrolls as a learning-rate grid of the
 *     same length
 * @param heldOutStream {@code meta-test}: the reported tasks are the held-out meta-test tasks;
 *     {@code validation}: they are validation-stream tasks (disjoint from the tuning tasks), for
 *     choosing the settings of a method without looking at the meta-test tasks
 * @param learnedWeights {@link #TRAINED}: {@code metricopt-learned} uses the checkpoint's w_opt;
 *     {@link #INITIAL}: the w_opt meta-training started from (a control that measures what
 *     meta-training the learned optimizer changed)
 */
public record EvalConfig(
        int tasksPerFamily,
        int validationTasksPerFamily,
        double[] lrGrid,
        double[] lambdaGrid,
        List<String> methods,
        String heldOutStream,
        String learnedWeights)
        implements Serializable {
    public static final String TRAINED = "trained";
    public static final String INITIAL = "initial";

    public static final String META_TEST = "meta-test";
    public static final String VALIDATION = "validation";

    /** The ids of {@link Method}, in report order. */
    public static final List<String> KNOWN_METHODS = Method.ids();
}
