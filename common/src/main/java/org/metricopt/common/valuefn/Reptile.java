package org.metricopt.common.valuefn;

import java.util.List;

/**
 * The Reptile meta-update (Nichol et al. 2018; supp. Algorithm 1 lines 5 and 7): move the
 * meta-weights towards the mean of the task-adapted weights, {@code w <- w + eta * mean_i(w~_i -
 * w)}. Pure arithmetic in double precision, accumulated in task order, so the result does not
 * depend on which executor adapted which task.
 */
public final class Reptile {
    private Reptile() {}

    public static float[] update(float[] w, List<float[]> adapted, double eta) {
        if (adapted.isEmpty()) {
            return w.clone();
        }
        double[] direction = direction(w, adapted);
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = (float) (w[i] + eta * direction[i]);
        }
        return out;
    }

    /** The Reptile direction mean_i(w~_i - w), accumulated in task order in double precision. */
    public static double[] direction(float[] w, List<float[]> adapted) {
        double[] sum = new double[w.length];
        for (float[] a : adapted) {
            if (a.length != w.length) {
                throw new IllegalArgumentException(
                        "adapted weights have " + a.length + " numbers, expected " + w.length);
            }
            for (int i = 0; i < w.length; i++) {
                sum[i] += (double) a[i] - w[i];
            }
        }
        for (int i = 0; i < w.length; i++) {
            sum[i] /= adapted.size();
        }
        return sum;
    }
}
