package org.metricopt.common.outer;

import java.util.Arrays;

/**
 * Per-coordinate running variance of an estimator, from earlier meta-iterations: the weights of the
 * inverse-variance combination (docs/DESIGN.md section 4). An exponential moving average with decay
 * {@link #DECAY}, bias-corrected as Adam's moments are: after n updates with variances x_1..x_n it
 * is sum_k (1 - DECAY) DECAY^(n-k) x_k / (1 - DECAY^n), so it equals x_1 after the first update and
 * its expectation is the true variance whenever the x_k are unbiased for it (an average started
 * from an arbitrary value, such as 1, is biased towards that value for its first tens of updates).
 * A coordinate without an estimate yet (before the first update, or while its batches had no finite
 * variance, as a batch of one sample has) holds {@link #UNKNOWN} and reads as 1, so both estimators
 * weigh the same there.
 *
 * @param values the current estimate per coordinate, {@link #UNKNOWN} where there is none
 * @param updates how many batches it has seen
 */
public record RunningVariance(float[] values, long updates) {
    public static final double DECAY = 0.9;

    /**
     * A coordinate with no estimate yet (variances are never negative; checkpoints hold no NaN).
     */
    public static final float UNKNOWN = -1f;

    /** Updates assumed for a state written before the counter existed: the correction is 1. */
    static final long LEGACY_UPDATES = 1_000;

    public RunningVariance {
        values = values.clone();
    }

    /** Nothing seen yet. */
    public static RunningVariance empty(int n) {
        float[] v = new float[n];
        Arrays.fill(v, UNKNOWN);
        return new RunningVariance(v, 0);
    }

    /** The running variance stored under {@code key} (and its counter), or an empty one. */
    public static RunningVariance of(MetaState state, String key, int n) {
        if (!state.has(key)) {
            return empty(n);
        }
        return new RunningVariance(
                state.array(key), state.counters().getOrDefault(counter(key), LEGACY_UPDATES));
    }

    /** The meta-state with this running variance under {@code key}. */
    public MetaState store(MetaState state, String key) {
        return state.with(state.iteration(), key, values).withCounter(counter(key), updates);
    }

    static String counter(String key) {
        return key + "_updates";
    }

    /** The variance estimate per coordinate; 1 (equal weights) where there is none yet. */
    public double[] estimate() {
        double[] e = new double[values.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = values[i] < 0 ? 1.0 : values[i];
        }
        return e;
    }

    /**
     * After one more batch with per-coordinate variances {@code x}: v += a_n (x - v) with a_n = (1
     * - DECAY) / (1 - DECAY^n), the recursive form of the corrected average. A coordinate whose x
     * is not finite keeps its value.
     */
    public RunningVariance update(double[] x) {
        long n = updates + 1;
        double a = (1 - DECAY) / (1 - Math.pow(DECAY, n));
        float[] v = values.clone();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(x[i])) {
                continue;
            }
            v[i] = (float) (v[i] < 0 ? x[i] : v[i] + a * (x[i] - v[i]));
        }
        return new RunningVariance(v, n);
    }
}
