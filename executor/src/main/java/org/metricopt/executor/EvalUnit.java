package org.metricopt.executor;

import java.io.Serializable;
import org.metricopt.common.tasks.TaskSpec;

/**
 * One unroll of meta-test or of its tuning: a task, a method id, the learning rate of the method's
 * base optimizer and, for the value-guided methods, lambda_v.
 *
 * @param method one of {@code EvalConfig.KNOWN_METHODS} that runs an unroll of its own
 * @param lambda lambda_v of metricopt-sgd/adam and metricopt-random-sgd/adam; 0 for the others
 */
public record EvalUnit(TaskSpec spec, String method, double learningRate, double lambda)
        implements Serializable {

    /** A unit of a method without lambda_v. */
    public EvalUnit(TaskSpec spec, String method, double learningRate) {
        this(spec, method, learningRate, 0.0);
    }

    /**
     * The base optimizer of a method: learned for metricopt-learned, sgd for the methods whose id
     * names sgd, else adam (the *-adam methods and ap-surrogate).
     */
    public static String baseOptimizer(String method) {
        if ("metricopt-learned".equals(method)) {
            return "learned";
        }
        return method.endsWith("-sgd") || method.contains("-sgd-") ? "sgd" : "adam";
    }

    /** Whether the method adds a lambda_v-weighted direction to its base optimizer's gradient. */
    public static boolean valueGuided(String method) {
        return method.startsWith("metricopt-") && !"metricopt-learned".equals(method);
    }
}
