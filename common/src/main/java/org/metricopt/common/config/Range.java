package org.metricopt.common.config;

import java.io.Serializable;
import java.util.SplittableRandom;

/** A closed interval [lo, hi] from which a task draws a value uniformly. */
public record Range(double lo, double hi) implements Serializable {
    public Range {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("range [" + lo + ", " + hi + "] needs lo <= hi");
        }
    }

    public static Range of(double value) {
        return new Range(value, value);
    }

    public double sample(SplittableRandom rng) {
        return lo == hi ? lo : lo + (hi - lo) * rng.nextDouble();
    }

    /** Uniform integer in [ceil(lo), floor(hi)]. */
    public int sampleInt(SplittableRandom rng) {
        int a = (int) Math.ceil(lo);
        int b = (int) Math.floor(hi);
        return a >= b ? a : a + rng.nextInt(b - a + 1);
    }
}
