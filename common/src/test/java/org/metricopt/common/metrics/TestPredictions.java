package org.metricopt.common.metrics;

import java.util.Random;

/** Builders that keep the hand-worked examples in the tests readable. */
final class TestPredictions {

    private TestPredictions() {}

    /** A binary task: one positive-class log-odds per example. */
    static Predictions binary(float[] scores, int... labels) {
        return new Predictions(scores, 1, labels);
    }

    /** A multi-class task given row by row. */
    static Predictions multi(float[][] rows, int... labels) {
        int numClasses = rows[0].length;
        float[] scores = new float[rows.length * numClasses];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, scores, i * numClasses, numClasses);
        }
        return new Predictions(scores, numClasses, labels);
    }

    /** Random predictions whose scores come from a small set of values, so that ties are common. */
    static Predictions random(Random rng, int n, int numClasses, int distinctScores) {
        float[] scores = new float[n * numClasses];
        for (int j = 0; j < scores.length; j++) {
            scores[j] = rng.nextInt(distinctScores) - distinctScores / 2;
        }
        int[] labels = new int[n];
        int labelRange = numClasses == 1 ? 2 : numClasses;
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(labelRange);
        }
        return new Predictions(scores, numClasses, labels);
    }

    /** The same predictions with rows in another order. */
    static Predictions permuted(Predictions p, Random rng) {
        int n = p.size();
        int c = p.numClasses();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        float[] scores = new float[n * c];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(p.scores(), order[i] * c, scores, i * c, c);
            labels[i] = p.labels()[order[i]];
        }
        return new Predictions(scores, c, labels);
    }
}
