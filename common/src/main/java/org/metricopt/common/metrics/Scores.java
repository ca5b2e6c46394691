package org.metricopt.common.metrics;

import java.util.Arrays;

/**
 * The one score order every built-in metric uses, so that ties are broken the same way everywhere.
 *
 * <p>Scores are compared as by {@link Float#compare} except that {@code -0.0} equals {@code 0.0}
 * (as in numpy, which the reference implementations use): {@code NaN} ranks above {@code
 * +Infinity}. Equal scores are tied; where a strict order is needed, the lower index comes first.
 */
final class Scores {

    private Scores() {}

    /**
     * Maps a score to an int whose signed order is the score order: equal scores (including {@code
     * 0.0} and {@code -0.0}) get equal keys.
     */
    static int sortKey(float score) {
        // Folding -0.0 into 0.0 makes them one threshold, as sklearn's float equality does.
        float f = score == 0.0f ? 0.0f : score;
        int bits = Float.floatToIntBits(f);
        // Negative floats order backwards by their magnitude bits; flip those bits to fix that.
        return bits ^ ((bits >> 31) & 0x7fffffff);
    }

    /** Compares two scores in the score order (negative if {@code a} ranks below {@code b}). */
    static int compare(float a, float b) {
        return Integer.compare(sortKey(a), sortKey(b));
    }

    /**
     * Indices of the rows {@code 0 .. n-1}, ordered by the score in {@code column} descending, ties
     * by row index ascending. Deterministic and O(n log n): each row becomes one {@code long} (the
     * inverted score key in the high half, the row in the low half) and a primitive sort orders
     * them.
     *
     * @return the sorted packed keys; read the row with {@link #row} and compare {@link #scoreKey}
     *     of neighbours to find groups of tied scores
     */
    static long[] descendingOrder(float[] scores, int numClasses, int column, int n) {
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            int inverted = ~sortKey(scores[i * numClasses + column]);
            keys[i] = ((long) inverted << 32) | i;
        }
        Arrays.sort(keys);
        return keys;
    }

    /** The row index of a key from {@link #descendingOrder}. */
    static int row(long packedKey) {
        return (int) packedKey;
    }

    /** The score part of a key from {@link #descendingOrder}: equal for tied scores. */
    static int scoreKey(long packedKey) {
        return (int) (packedKey >> 32);
    }

    /** The column with the highest score in {@code row}, the lowest index among ties. */
    static int argmax(float[] scores, int numClasses, int row) {
        int base = row * numClasses;
        int best = 0;
        int bestKey = sortKey(scores[base]);
        for (int c = 1; c < numClasses; c++) {
            int key = sortKey(scores[base + c]);
            if (key > bestKey) {
                best = c;
                bestKey = key;
            }
        }
        return best;
    }

    /**
     * The class each row predicts: for a binary task 1 iff the score is {@code > 0} (so {@code NaN}
     * and 0 predict 0), otherwise the {@link #argmax}.
     */
    static int predictedClass(Predictions p, int row) {
        if (p.numClasses() == 1) {
            return p.scores()[row] > 0.0f ? 1 : 0;
        }
        return argmax(p.scores(), p.numClasses(), row);
    }
}
