package org.metricopt.common.interp;

import java.util.Arrays;
import java.util.Objects;

/**
 * Dense metric curve produced by {@link GaussianProcess#interpolate(int[], double[], int)}: the
 * posterior mean M̂_t and posterior standard deviation σ̂_t for every step t = 0..T (both arrays
 * have length T + 1). This is the output of supplementary Algorithm 1, line 4, where the GP
 * densifies the K sparse metric observations of an unroll.
 *
 * <p>The record is immutable: the arrays are copied on the way in and on the way out. In loops,
 * read single entries with {@link #mean(int)} and {@link #std(int)}, which do not copy.
 *
 * @param mean posterior mean M̂_t of the metric, t = 0..T
 * @param std posterior standard deviation σ̂_t, t = 0..T; never negative
 */
public record Interpolation(double[] mean, double[] std) implements java.io.Serializable {

    /** Validates and copies the arrays. */
    public Interpolation {
        Objects.requireNonNull(mean, "mean must not be null");
        Objects.requireNonNull(std, "std must not be null");
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException(
                    "mean and std must have the same, non-zero length (T + 1), but mean has "
                            + mean.length
                            + " entries and std has "
                            + std.length
                            + ".");
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Returns a copy of the posterior mean M̂_t, t = 0..T. */
    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** Returns a copy of the posterior standard deviation σ̂_t, t = 0..T. */
    @Override
    public double[] std() {
        return std.clone();
    }

    /** Returns M̂_t without copying the array. */
    public double mean(int step) {
        return mean[step];
    }

    /** Returns σ̂_t without copying the array. */
    public double std(int step) {
        return std[step];
    }

    /** Returns the horizon T; the curve covers steps 0..T. */
    public int horizon() {
        return mean.length - 1;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Interpolation)) {
            return false;
        }
        Interpolation that = (Interpolation) other;
        return Arrays.equals(mean, that.mean) && Arrays.equals(std, that.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Interpolation[T="
                + horizon()
                + ", mean="
                + Arrays.toString(mean)
                + ", std="
                + Arrays.toString(std)
                + "]";
    }
}
