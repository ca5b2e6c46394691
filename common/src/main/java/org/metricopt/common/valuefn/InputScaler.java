package org.metricopt.common.valuefn;

import java.io.Serializable;

/**
 * Per-coordinate standardisation of the value function's input x = [phi, c]: (x - mean) / std.
 * Fitted once on the first meta-iteration's trajectories and then fixed, so the meta-learned
 * weights always see inputs on the same scale.
 */
public record InputScaler(float[] mean, float[] std) implements Serializable {

    /** Mean and standard deviation of n vectors of length d, std floored at {@code minStd}. */
    public static InputScaler fit(float[][] rows, int d, double minStd) {
        double[] sum = new double[d];
        double[] sq = new double[d];
        long n = 0;
        for (float[] r : rows) {
            int count = r.length / d;
            for (int i = 0; i < count; i++) {
                for (int k = 0; k < d; k++) {
                    double v = r[i * d + k];
                    sum[k] += v;
                    sq[k] += v * v;
                }
            }
            n += count;
        }
        float[] mean = new float[d];
        float[] std = new float[d];
        for (int k = 0; k < d; k++) {
            double m = n == 0 ? 0 : sum[k] / n;
            double var = n == 0 ? 0 : Math.max(0, sq[k] / n - m * m);
            mean[k] = (float) m;
            std[k] = (float) Math.max(minStd, Math.sqrt(var));
        }
        return new InputScaler(mean, std);
    }

    /**
     * Mean and standard deviation of rows of width {@code width} whose first {@code d} coordinates
     * (phi) get the floor {@code minStd} and the rest (the context) {@code contextMinStd}: a
     * context feature that hardly varies in the first iteration (a family that did not occur in it)
     * must not be blown up at meta-test.
     */
    public static InputScaler fit(
            float[][] rows, int width, int d, double minStd, double contextMinStd) {
        InputScaler s = fit(rows, width, minStd);
        float[] std = s.std().clone();
        for (int k = d; k < width; k++) {
            std[k] = (float) Math.max(contextMinStd, std[k]);
        }
        return new InputScaler(s.mean(), std);
    }

    public static InputScaler identity(int d) {
        float[] std = new float[d];
        java.util.Arrays.fill(std, 1f);
        return new InputScaler(new float[d], std);
    }
}
