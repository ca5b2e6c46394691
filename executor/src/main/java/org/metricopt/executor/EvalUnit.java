package org.metricopt.executor;

import java.io.Serializable;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Method;

/**
 * One unroll of meta-test or of its tuning: a task, a method id, the learning rate of the method's
 * base optimizer and, for the value-guided methods, lambda_v.
 *
 * @param method the id of a {@link Method} that runs an unroll of its own
 * @param lambda lambda_v of metricopt-sgd/adam and metricopt-random-sgd/adam; 0 for the others
 */
public record EvalUnit(TaskSpec spec, String method, double learningRate, double lambda)
        implements Serializable {

    /** A unit of a method without lambda_v. */
    public EvalUnit(TaskSpec spec, String method, double learningRate) {
        this(spec, method, learningRate, 0.0);
    }

    public EvalUnit {
        Method.of(method);
    }

    /** The method this unit unrolls. */
    public Method kind() {
        return Method.of(method);
    }
}
