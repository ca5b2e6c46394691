package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Perfect rankings must give exactly 0, never a negative rounding residue. */
class RoundingTest {
    @Test
    void perfectRankingsGiveZeroNotANegativeResidue() {
        SplittableRandom rng = new SplittableRandom(5);
        for (int trial = 0; trial < 200; trial++) {
            int n = 50 + rng.nextInt(500);
            float[] scores = new float[n];
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = rng.nextInt(10) == 0 ? 1 : 0;
                scores[i] = labels[i] * 10f + (float) rng.nextDouble();
            }
            labels[0] = 1;
            scores[0] = 20f;
            Predictions p = new Predictions(scores, 1, labels);
            assertThat(new OneMinusAucpr().evaluate(p)).isBetween(0.0, 1e-12);
            assertThat(new OneMinusAuroc().evaluate(p)).isBetween(0.0, 1e-12);
            assertThat(new OneMinusF1().evaluate(p)).isBetween(0.0, 1.0);
        }
    }
}
