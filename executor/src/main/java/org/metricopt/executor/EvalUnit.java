package org.metricopt.executor;

import java.io.Serializable;
import org.metricopt.common.tasks.TaskSpec;

/**
 * One unroll of meta-test or of learning-rate selection: a task, a method id and the learning rate
 * of the method's base optimizer.
 *
 * @param method ce-sgd, ce-adam, ap-surrogate, metricopt-sgd or metricopt-adam
 */
public record EvalUnit(TaskSpec spec, String method, double learningRate) implements Serializable {

    /**
     * The base optimizer of a method: sgd for *-sgd, learned for metricopt-learned, else adam (the
     * *-adam methods and ap-surrogate).
     */
    public static String baseOptimizer(String method) {
        if ("metricopt-learned".equals(method)) {
            return "learned";
        }
        return method.endsWith("-sgd") ? "sgd" : "adam";
    }
}
