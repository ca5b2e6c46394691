package org.metricopt.common.valuefn;

import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.metricopt.common.unroll.Trajectory;

/**
 * How well a value function ranks a trajectory's metric observations (docs/DESIGN.md section 6),
 * and the trivial predictor every value function must beat: the step index (later is better).
 */
public final class ValueDiagnostics {
    private ValueDiagnostics() {}

    /**
     * Spearman correlation between {@code predictions} (one per step of {@code t}) and the valid
     * observed metrics, at the observation steps; NaN with fewer than three valid observations or
     * when either side is constant.
     */
    public static double spearmanAtObservations(float[] predictions, Trajectory t) {
        int[] steps = t.observedSteps();
        double[] p = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            p[i] = predictions[steps[i]];
        }
        return spearman(p, t.observedMetrics(), 0);
    }

    /**
     * The same correlation for the trivial predictor -step ("later is better"): what the value
     * function's ranking of a trajectory is compared with.
     */
    public static double stepIndexSpearman(Trajectory t) {
        int[] steps = t.observedSteps();
        double[] p = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            p[i] = -steps[i];
        }
        return spearman(p, t.observedMetrics(), 0);
    }

    /**
     * Spearman correlation of predictions and observations over the indices {@code from..end} whose
     * observation is finite; NaN with fewer than three or when either side is constant.
     */
    public static double spearman(double[] predictions, double[] observed, int from) {
        int valid = 0;
        for (int i = from; i < observed.length; i++) {
            valid += Double.isFinite(observed[i]) ? 1 : 0;
        }
        if (valid < 3) {
            return Double.NaN;
        }
        double[] p = new double[valid];
        double[] m = new double[valid];
        for (int i = from, j = 0; i < observed.length; i++) {
            if (Double.isFinite(observed[i])) {
                p[j] = predictions[i];
                m[j++] = observed[i];
            }
        }
        if (constant(p) || constant(m)) {
            return Double.NaN;
        }
        return new SpearmansCorrelation().correlation(p, m);
    }

    private static boolean constant(double[] a) {
        for (double v : a) {
            if (v != a[0]) {
                return false;
            }
        }
        return true;
    }

    /** The first finite value, or NaN. */
    public static double firstFinite(double[] m) {
        for (double v : m) {
            if (Double.isFinite(v)) {
                return v;
            }
        }
        return Double.NaN;
    }
}
