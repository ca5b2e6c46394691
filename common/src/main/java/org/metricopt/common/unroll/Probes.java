package org.metricopt.common.unroll;

import java.util.SplittableRandom;
import org.metricopt.common.rng.Keys;

/**
 * Antithetic metric probes of a meta-training unroll (docs/DESIGN.md section 3.3): at observation k
 * the metric is also observed at phi_t_k + delta_kp and phi_t_k - delta_kp for p = 0..P-1. The
 * offsets are Gaussian with covariance (r^2 / d) I, so their expected norm is about r, and are
 * keyed by (task seed, k, p): the executor that observes and the driver that learns from the
 * observations regenerate the same offsets, so nothing but the metric values travels.
 */
public final class Probes {
    private Probes() {}

    /** delta_kp of the task with the given seed, of dimension d and radius r. */
    public static float[] delta(long taskSeed, int observation, int pair, int d, double radius) {
        SplittableRandom rng = Keys.rng(taskSeed, "metric-probe", observation, pair);
        double scale = radius / Math.sqrt(d);
        float[] delta = new float[d];
        for (int i = 0; i < d; i++) {
            delta[i] = (float) (scale * Keys.gaussian(rng));
        }
        return delta;
    }
}
