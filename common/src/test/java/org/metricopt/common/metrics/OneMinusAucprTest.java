package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.metricopt.common.metrics.TestPredictions.binary;
import static org.metricopt.common.metrics.TestPredictions.multi;

import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class OneMinusAucprTest {

    private static final double EPS = 1e-12;

    private final Metric metric = new OneMinusAucpr();

    @Test
    void hasItsId() {
        assertThat(metric.id()).isEqualTo("one-minus-aucpr");
    }

    @Test
    void averagePrecisionOfADistinctRanking() {
        // Thresholds 0.9 (P=1/1, R=1/2), 0.8 (P=1/2, R=1/2), 0.7 (P=2/3, R=1), 0.6 (P=2/4, R=1).
        // Only recall steps count: AP = 1/2 * 1 + 1/2 * 2/3 = 5/6, so the metric is 1/6.
        Predictions p = binary(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, 1, 0, 1, 0);
        assertThat(metric.evaluate(p)).isCloseTo(1.0 / 6.0, within(EPS));
    }

    @Test
    void tiedScoresFormOneThreshold() {
        // Scores 0.9, 0.5, 0.5, 0.1 with labels 1, 1, 0, 0. The tied pair (one positive, one
        // negative) is one threshold: 0.9 gives P=1, R=1/2; 0.5 gives P=2/3, R=1.
        // AP = 1/2 * 1 + 1/2 * 2/3 = 5/6. Taking the tied positive first would wrongly give 1.
        Predictions positiveFirst = binary(new float[] {0.9f, 0.5f, 0.5f, 0.1f}, 1, 1, 0, 0);
        Predictions negativeFirst = binary(new float[] {0.9f, 0.5f, 0.5f, 0.1f}, 1, 0, 1, 0);
        assertThat(metric.evaluate(positiveFirst)).isCloseTo(1.0 / 6.0, within(EPS));
        assertThat(metric.evaluate(negativeFirst)).isCloseTo(1.0 / 6.0, within(EPS));
    }

    @Test
    void allTiedGivesThePrevalence() {
        // One threshold: P = 1/4, R = 1, so AP = 1/4 and the metric is 3/4.
        Predictions p = binary(new float[] {0, 0, 0, 0}, 0, 1, 0, 0);
        assertThat(metric.evaluate(p)).isCloseTo(0.75, within(EPS));
    }

    @Test
    void negativeZeroTiesWithZero() {
        // -0.0 and 0.0 are one threshold, so this is the all-tied case again: AP = 1/2.
        Predictions p = binary(new float[] {-0.0f, 0.0f}, 0, 1);
        assertThat(metric.evaluate(p)).isCloseTo(0.5, within(EPS));
    }

    @Test
    void perfectAndWorstRankings() {
        assertThat(metric.evaluate(binary(new float[] {3, 2, 1}, 1, 0, 0))).isEqualTo(0.0);
        // The positive is ranked last: P = 1/3 at R = 1, AP = 1/3.
        assertThat(metric.evaluate(binary(new float[] {3, 2, 1}, 0, 0, 1)))
                .isCloseTo(2.0 / 3.0, within(EPS));
    }

    @Test
    void noPositivesMeansApZero() {
        assertThat(metric.evaluate(binary(new float[] {1, -1, 2}, 0, 0, 0))).isEqualTo(1.0);
    }

    @Test
    void onlyPositivesMeansApOne() {
        assertThat(metric.evaluate(binary(new float[] {1, -1, 1}, 1, 1, 1))).isEqualTo(0.0);
    }

    @Test
    void multiClassIsTheMacroAverageOfOneVsRest() {
        // Class 0, column [2, 0, 1, 0], positives rows 0 and 2 ranked first: AP = 1.
        // Class 1, column [1, 2, 0, 1], positive row 1 ranked first: AP = 1.
        // Class 2, column [0, 1, 2, 2], positive row 3 tied with negative row 2 at the top:
        //   one threshold with P = 1/2, R = 1, AP = 1/2.
        // Macro AP = (1 + 1 + 1/2) / 3 = 5/6, metric 1/6.
        Predictions p =
                multi(new float[][] {{2, 1, 0}, {0, 2, 1}, {1, 0, 2}, {0, 1, 2}}, 0, 1, 0, 2);
        assertThat(metric.evaluate(p)).isCloseTo(1.0 / 6.0, within(EPS));
    }

    @Test
    void multiClassSkipsClassesWithoutPositives() {
        // Classes 0 and 1 are ranked perfectly (AP = 1); class 2 has no label and is skipped,
        // so the metric is 0 rather than 1 - (1 + 1 + 0) / 3.
        Predictions p = multi(new float[][] {{2, 1, 0}, {0, 2, 1}, {1, 0, 2}}, 0, 1, 0);
        assertThat(metric.evaluate(p)).isEqualTo(0.0);
    }

    @Test
    void matchesTheDefinitionOnRandomTiedData() {
        Random rng = new Random(42);
        for (int trial = 0; trial < 200; trial++) {
            Predictions p = TestPredictions.random(rng, 1 + rng.nextInt(40), 1, 5);
            assertThat(metric.evaluate(p))
                    .as("trial %d", trial)
                    .isCloseTo(1.0 - referenceAp(p.scores(), p.labels()), within(EPS));
            assertThat(metric.evaluate(TestPredictions.permuted(p, rng)))
                    .isCloseTo(metric.evaluate(p), within(EPS));
        }
    }

    /** AP straight from its definition: one pass over the data per distinct threshold. */
    private static double referenceAp(float[] scores, int[] labels) {
        TreeSet<Float> thresholds = new TreeSet<>();
        int positives = 0;
        for (int i = 0; i < scores.length; i++) {
            thresholds.add(scores[i]);
            positives += labels[i];
        }
        if (positives == 0) {
            return 0.0;
        }
        double ap = 0.0;
        double previousRecall = 0.0;
        for (float t : thresholds.descendingSet()) {
            int tp = 0;
            int predicted = 0;
            for (int i = 0; i < scores.length; i++) {
                if (scores[i] >= t) {
                    predicted++;
                    tp += labels[i];
                }
            }
            double recall = (double) tp / positives;
            ap += (recall - previousRecall) * tp / predicted;
            previousRecall = recall;
        }
        return ap;
    }
}
