package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.metricopt.common.metrics.TestPredictions.binary;
import static org.metricopt.common.metrics.TestPredictions.multi;

import org.junit.jupiter.api.Test;

class OneMinusF1Test {

    private static final double EPS = 1e-12;

    private final Metric metric = new OneMinusF1();

    @Test
    void hasItsId() {
        assertThat(metric.id()).isEqualTo("one-minus-f1");
    }

    @Test
    void binaryF1OfASmallConfusion() {
        // Predictions (score > 0): 1, 1, 0, 0, 1, 0 against labels 1, 0, 1, 0, 1, 0.
        // TP = 2 (rows 0, 4), FP = 1 (row 1), FN = 1 (row 2).
        // F1 = 2*2 / (2*2 + 1 + 1) = 2/3, metric 1/3.
        Predictions p = binary(new float[] {2, 1, -1, -2, 0.5f, -0.5f}, 1, 0, 1, 0, 1, 0);
        assertThat(metric.evaluate(p)).isCloseTo(1.0 / 3.0, within(EPS));
    }

    @Test
    void scoreZeroIsPredictedNegative() {
        // TP = 0, FP = 0, FN = 1: F1 = 0.
        assertThat(metric.evaluate(binary(new float[] {0.0f}, 1))).isEqualTo(1.0);
    }

    @Test
    void noTrueAndNoPredictedPositivesGiveF1Zero() {
        // All negatives, all predicted negative: 0/0, defined as F1 = 0 (zero_division=0).
        assertThat(metric.evaluate(binary(new float[] {-1, -2, -3}, 0, 0, 0))).isEqualTo(1.0);
    }

    @Test
    void onlyPositivesAllFoundGiveF1One() {
        assertThat(metric.evaluate(binary(new float[] {1, 2, 3}, 1, 1, 1))).isEqualTo(0.0);
    }

    @Test
    void multiClassIsTheMacroAverage() {
        // Labels 0, 0, 1, 1, 2; argmax predictions 0, 1, 1, 1, 0 (row 4 ties 0 and 2 -> 0).
        // Class 0: TP 1, FP 1 (row 4), FN 1 (row 1): F1 = 2/4 = 1/2.
        // Class 1: TP 2, FP 1 (row 1), FN 0: F1 = 4/5.
        // Class 2: TP 0, FP 0, FN 1 (row 4): F1 = 0.
        // Macro F1 = (1/2 + 4/5 + 0) / 3 = 13/30, metric 17/30.
        float[][] rows = {{5, 0, 0}, {0, 5, 0}, {0, 5, 0}, {1, 2, 0}, {3, 0, 3}};
        assertThat(metric.evaluate(multi(rows, 0, 0, 1, 1, 2))).isCloseTo(17.0 / 30.0, within(EPS));
    }

    @Test
    void multiClassSkipsClassesNeitherTrueNorPredicted() {
        // The same data with a fourth, never-seen class (column 3 always lowest): still 17/30.
        float[][] rows = {
            {5, 0, 0, -1}, {0, 5, 0, -1}, {0, 5, 0, -1}, {1, 2, 0, -1}, {3, 0, 3, -1}
        };
        assertThat(metric.evaluate(multi(rows, 0, 0, 1, 1, 2))).isCloseTo(17.0 / 30.0, within(EPS));
    }

    @Test
    void multiClassAllCorrectIsZero() {
        assertThat(metric.evaluate(multi(new float[][] {{1, 0}, {0, 1}, {1, 0}}, 0, 1, 0)))
                .isEqualTo(0.0);
    }
}
