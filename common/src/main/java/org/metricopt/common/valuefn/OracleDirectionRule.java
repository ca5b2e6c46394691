package org.metricopt.common.valuefn;

import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.unroll.PhiOptimizer;

/**
 * An upper-bound control, not a method (docs/DESIGN.md section 6): MetricOpt's update with the
 * value function replaced by the gradient of the surrogate loss on the whole validation split,
 * which uses the validation labels that MetricOpt only sees through K + 1 metric values: {@code g =
 * grad loss + lambda_v * (|grad loss| / |grad val|) * grad val}. It measures how much a value
 * function that knew the metric's smooth surrogate everywhere could gain.
 */
public final class OracleDirectionRule implements PhiOptimizer {
    private final PhiOptimizer base;
    private final double lambda;
    private final TaskNetwork net;
    private float[] combined;
    private float[] direction;

    public OracleDirectionRule(PhiOptimizer base, double lambda, TaskNetwork net) {
        this.base = base;
        this.lambda = lambda;
        this.net = net;
    }

    @Override
    public void step(float[] phi, float[] grad, int t) {
        if (combined == null) {
            combined = new float[grad.length];
            direction = new float[grad.length];
        }
        net.validationLossAndGradient(phi, direction);
        MetricOptRule.combine(grad, direction, lambda, false, combined);
        base.step(phi, combined, t);
    }
}
