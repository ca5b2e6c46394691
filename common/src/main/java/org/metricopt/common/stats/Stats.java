package org.metricopt.common.stats;

import org.apache.commons.math3.distribution.TDistribution;

/**
 * Summary statistics used in every report (mean with a Student-t 95% confidence interval), and the
 * finiteness check every divergence guard uses.
 */
public final class Stats {
    private Stats() {}

    /** Whether every value is finite (no NaN, no infinity); true for an empty array. */
    public static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /** The Euclidean norm, accumulated in double precision. */
    public static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    /** The cosine of two vectors of the same length; NaN when either is zero. */
    public static double cosine(float[] a, float[] b) {
        return cosine(toDouble(a), toDouble(b));
    }

    /** The cosine of two vectors of the same length; NaN when either is zero. */
    public static double cosine(double[] a, double[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? Double.NaN : ab / Math.sqrt(aa * bb);
    }

    /** The values widened to double precision. */
    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /**
     * Mean and 95% CI of finite values.
     *
     * @param n how many finite values there were
     */
    public record MeanCi(int n, double mean, double lo, double hi) {
        public String format() {
            if (n == 0) {
                return "n/a";
            }
            return String.format(java.util.Locale.ROOT, "%.4f ± %.4f", mean, (hi - lo) / 2);
        }
    }

    public static MeanCi meanCi95(double[] values) {
        int n = 0;
        double sum = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                n++;
                sum += v;
            }
        }
        if (n == 0) {
            return new MeanCi(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = sum / n;
        if (n == 1) {
            return new MeanCi(1, mean, mean, mean);
        }
        double ss = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                ss += (v - mean) * (v - mean);
            }
        }
        double se = Math.sqrt(ss / (n - 1) / n);
        double t = new TDistribution(null, n - 1).inverseCumulativeProbability(0.975);
        return new MeanCi(n, mean, mean - t * se, mean + t * se);
    }
}
