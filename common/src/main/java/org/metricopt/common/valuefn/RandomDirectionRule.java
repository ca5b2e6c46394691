package org.metricopt.common.valuefn;

import java.util.SplittableRandom;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.unroll.PhiOptimizer;

/**
 * The random-direction control of MetricOpt (docs/DESIGN.md section 6): the base optimizer receives
 * {@code g = grad loss + lambda_v * |grad loss| * u_t}, where u_t is a fresh uniformly random unit
 * direction at every step: the same norm that MetricOpt's value-function term has, without its
 * information. If MetricOpt does not beat this rule, its value function carries no information
 * about the metric.
 */
public final class RandomDirectionRule implements PhiOptimizer {
    private final PhiOptimizer base;
    private final double lambda;
    private final SplittableRandom rng;
    private float[] combined;
    private float[] direction;

    public RandomDirectionRule(PhiOptimizer base, double lambda, long taskSeed) {
        this.base = base;
        this.lambda = lambda;
        this.rng = Keys.rng(taskSeed, "metricopt-random-direction");
    }

    @Override
    public void step(float[] phi, float[] grad, int t) {
        if (combined == null) {
            combined = new float[grad.length];
            direction = new float[grad.length];
        }
        for (int i = 0; i < direction.length; i++) {
            direction[i] = (float) Keys.gaussian(rng);
        }
        MetricOptRule.combine(grad, direction, lambda, false, combined);
        base.step(phi, combined, t);
    }
}
