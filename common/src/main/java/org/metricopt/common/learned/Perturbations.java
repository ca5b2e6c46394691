package org.metricopt.common.learned;

import java.util.SplittableRandom;
import org.metricopt.common.rng.Keys;

/**
 * The perturbation epsilon of an antithetic ES pair, regenerated from its key (run seed, iteration,
 * task, pair): the executor that evaluates the pair and the driver that aggregates it derive the
 * same numbers bit for bit, so only the key and two losses travel.
 */
public final class Perturbations {
    private Perturbations() {}

    public static float[] epsilon(long seed, long iteration, int task, int pair, int size) {
        SplittableRandom rng = Keys.rng(seed, "es-epsilon", iteration, task, pair);
        float[] e = new float[size];
        for (int i = 0; i < size; i++) {
            e[i] = (float) Keys.gaussian(rng);
        }
        return e;
    }

    /** A 64-bit hash of the exact bits of epsilon. */
    public static long hash(float[] epsilon) {
        long h = 0x9e3779b97f4a7c15L;
        for (float v : epsilon) {
            h = Keys.derive(h, "eps", Float.floatToRawIntBits(v));
        }
        return h;
    }

    /** w + sign * sigma * epsilon. */
    public static float[] perturb(float[] w, float[] epsilon, double sigma, int sign) {
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = (float) (w[i] + sign * sigma * epsilon[i]);
        }
        return out;
    }
}
