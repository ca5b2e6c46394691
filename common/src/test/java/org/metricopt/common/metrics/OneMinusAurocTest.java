package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.metricopt.common.metrics.TestPredictions.binary;
import static org.metricopt.common.metrics.TestPredictions.multi;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OneMinusAurocTest {

    private static final double EPS = 1e-12;

    private final Metric metric = new OneMinusAuroc();

    @Test
    void hasItsId() {
        assertThat(metric.id()).isEqualTo("one-minus-auroc");
    }

    @Test
    void countsWinningPairs() {
        // Positives 0.9, 0.7; negatives 0.8, 0.6. Pairs won: 0.9 beats both (2), 0.7 beats 0.6
        // (1). AUC = 3/4, metric 1/4.
        Predictions p = binary(new float[] {0.9f, 0.8f, 0.7f, 0.6f}, 1, 0, 1, 0);
        assertThat(metric.evaluate(p)).isCloseTo(0.25, within(EPS));
    }

    @Test
    void tiesCountOneHalf() {
        // Positives 0.9, 0.5; negatives 0.5, 0.1. 0.9 beats both (2); 0.5 ties 0.5 (1/2) and beats
        // 0.1 (1). AUC = 3.5/4 = 7/8, metric 1/8, whichever tied row comes first.
        assertThat(metric.evaluate(binary(new float[] {0.9f, 0.5f, 0.5f, 0.1f}, 1, 1, 0, 0)))
                .isCloseTo(0.125, within(EPS));
        assertThat(metric.evaluate(binary(new float[] {0.9f, 0.5f, 0.5f, 0.1f}, 1, 0, 1, 0)))
                .isCloseTo(0.125, within(EPS));
    }

    @Test
    void allTiedIsOneHalf() {
        assertThat(metric.evaluate(binary(new float[] {1, 1, 1, 1}, 1, 0, 0, 1))).isEqualTo(0.5);
    }

    @Test
    void perfectAndReversedRankings() {
        assertThat(metric.evaluate(binary(new float[] {3, 2, 1}, 1, 1, 0))).isEqualTo(0.0);
        assertThat(metric.evaluate(binary(new float[] {3, 2, 1}, 0, 1, 1))).isEqualTo(1.0);
    }

    @Test
    void singleClassLabelsGiveOneHalf() {
        assertThat(metric.evaluate(binary(new float[] {3, 2, 1}, 1, 1, 1))).isEqualTo(0.5);
        assertThat(metric.evaluate(binary(new float[] {3, 2, 1}, 0, 0, 0))).isEqualTo(0.5);
    }

    @Test
    void multiClassIsTheMacroAverageOfOneVsRest() {
        // Class 0, column [2, 0, 1, 0]: positives 2, 1 beat negatives 0, 0: AUC 1.
        // Class 1, column [1, 2, 0, 1]: positive 2 beats negatives 1, 0, 1: AUC 1.
        // Class 2, column [0, 1, 2, 2]: positive 2 beats 0 and 1, ties 2: AUC 2.5/3 = 5/6.
        // Macro AUC = (1 + 1 + 5/6) / 3 = 17/18, metric 1/18.
        Predictions p =
                multi(new float[][] {{2, 1, 0}, {0, 2, 1}, {1, 0, 2}, {0, 1, 2}}, 0, 1, 0, 2);
        assertThat(metric.evaluate(p)).isCloseTo(1.0 / 18.0, within(EPS));
    }

    @Test
    void multiClassSkipsClassesWithoutPositives() {
        // Class 2 has no positives and is skipped; classes 0 and 1 rank perfectly: metric 0.
        Predictions p = multi(new float[][] {{2, 1, 0}, {0, 2, 1}, {1, 0, 2}}, 0, 1, 0);
        assertThat(metric.evaluate(p)).isEqualTo(0.0);
    }

    @Test
    void multiClassWithOneLabelIsOneHalf() {
        // Every class is all-positive or all-negative, so every class is skipped.
        Predictions p = multi(new float[][] {{2, 1}, {0, 2}}, 1, 1);
        assertThat(metric.evaluate(p)).isEqualTo(0.5);
    }

    @Test
    void matchesPairCountingOnRandomTiedData() {
        Random rng = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            Predictions p = TestPredictions.random(rng, 2 + rng.nextInt(40), 1, 5);
            assertThat(metric.evaluate(p))
                    .as("trial %d", trial)
                    .isCloseTo(1.0 - referenceAuc(p.scores(), p.labels()), within(EPS));
            assertThat(metric.evaluate(TestPredictions.permuted(p, rng)))
                    .isCloseTo(metric.evaluate(p), within(EPS));
        }
    }

    @Test
    void largeInputsNeitherOverflowNorLoseTies() {
        // 400,000 tied scores, half positive: 4e10 pairs, all ties, AUC exactly 1/2.
        int n = 400_000;
        int[] labels = new int[n];
        for (int i = 0; i < n; i += 2) {
            labels[i] = 1;
        }
        assertThat(metric.evaluate(binary(new float[n], labels))).isEqualTo(0.5);
    }

    /** AUC by comparing every (positive, negative) pair, O(n²). */
    private static double referenceAuc(float[] scores, int[] labels) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.length; i++) {
            for (int j = 0; j < scores.length; j++) {
                if (labels[i] == 1 && labels[j] == 0) {
                    pairs++;
                    if (scores[i] > scores[j]) {
                        wins += 1;
                    } else if (scores[i] == scores[j]) {
                        wins += 0.5;
                    }
                }
            }
        }
        return pairs == 0 ? 0.5 : wins / pairs;
    }
}
