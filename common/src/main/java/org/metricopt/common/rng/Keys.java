package org.metricopt.common.rng;

import java.util.SplittableRandom;

/**
 * Counter-based derivation of random streams (docs/DESIGN.md section 5). Every draw in the system
 * comes from a generator seeded by {@code derive(runSeed, purpose, ids...)}, so the same (run seed,
 * iteration, task, pair, purpose) gives the same numbers on any executor, after any retry, with no
 * shared mutable generator and no use of DJL's JVM-global seed.
 */
public final class Keys {
    private Keys() {}

    /** SplitMix64 finaliser: a bijective mix with good avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /**
     * Derives a 64-bit key from a seed, a purpose and a path of counters. The purpose is hashed
     * with {@link String#hashCode()}, whose value the Java specification fixes.
     */
    public static long derive(long seed, String purpose, long... ids) {
        long h = mix(seed ^ 0x9e3779b97f4a7c15L);
        h = mix(h + purpose.hashCode() * 0x9e3779b97f4a7c15L + purpose.length());
        for (long id : ids) {
            h = mix(h + 0x9e3779b97f4a7c15L + mix(id));
        }
        return h;
    }

    /** A fresh generator for one purpose; callers own it and must not share it across threads. */
    public static SplittableRandom rng(long seed, String purpose, long... ids) {
        return new SplittableRandom(derive(seed, purpose, ids));
    }

    /** Standard normal from a {@link SplittableRandom} (Box-Muller, no cached second value). */
    public static double gaussian(SplittableRandom rng) {
        double u1 = rng.nextDouble();
        double u2 = rng.nextDouble();
        return Math.sqrt(-2.0 * Math.log1p(-u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** Partial Fisher-Yates: the first {@code k} entries of a random permutation of [0, n). */
    public static int[] sampleWithoutReplacement(SplittableRandom rng, int n, int k) {
        if (k > n || k < 0) {
            throw new IllegalArgumentException(
                    "cannot draw " + k + " distinct items from " + n + "; need 0 <= k <= n");
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        int[] out = new int[k];
        System.arraycopy(perm, 0, out, 0, k);
        return out;
    }
}
