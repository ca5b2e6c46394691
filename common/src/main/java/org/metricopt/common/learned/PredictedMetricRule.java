package org.metricopt.common.learned;

import org.metricopt.common.unroll.PhiOptimizer;
import org.metricopt.common.valuefn.TaskValueFunction;

/**
 * The learned optimizer as it runs during joint meta-training: its metric input M_t is the task's
 * adapted value function's prediction f(phi_t) at every step, not only at the sparse observations
 * (which are ignored). docs/DESIGN.md section 4 makes M_t the adapted value function's prediction;
 * feeding it every step gives the optimizer a dense metric signal.
 */
public final class PredictedMetricRule implements PhiOptimizer {
    private final LearnedOptimizer optimizer;
    private final TaskValueFunction valueFunction;

    public PredictedMetricRule(LearnedOptimizer optimizer, TaskValueFunction valueFunction) {
        this.optimizer = optimizer;
        this.valueFunction = valueFunction;
    }

    @Override
    public void step(float[] phi, float[] grad, int t) {
        step(phi, grad, Double.NaN, t);
    }

    @Override
    public void step(float[] phi, float[] grad, double loss, int t) {
        optimizer.setMetric(valueFunction.predict(phi)[0]);
        optimizer.step(phi, grad, loss, t);
    }
}
