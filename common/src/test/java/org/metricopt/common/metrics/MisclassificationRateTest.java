package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.metricopt.common.metrics.TestPredictions.binary;
import static org.metricopt.common.metrics.TestPredictions.multi;

import org.junit.jupiter.api.Test;

class MisclassificationRateTest {

    private final Metric metric = new MisclassificationRate();

    @Test
    void hasItsIdAndDefaultRange() {
        assertThat(metric.id()).isEqualTo("misclassification");
        assertThat(metric.lowerBound()).isEqualTo(0.0);
        assertThat(metric.upperBound()).isEqualTo(1.0);
    }

    @Test
    void binaryPredictsPositiveOnlyAboveZero() {
        // Predictions: 0.5 -> 1, -0.5 -> 0, 0.0 -> 0 (not > 0), 2 -> 1.
        // Labels 1, 1, 0, 0: rows 1 and 3 are wrong, so 2/4.
        assertThat(metric.evaluate(binary(new float[] {0.5f, -0.5f, 0.0f, 2f}, 1, 1, 0, 0)))
                .isEqualTo(0.5);
    }

    @Test
    void binarySingleClassEdgeCases() {
        assertThat(metric.evaluate(binary(new float[] {1, 2, 3}, 1, 1, 1))).isEqualTo(0.0);
        assertThat(metric.evaluate(binary(new float[] {1, 2, 3}, 0, 0, 0))).isEqualTo(1.0);
        assertThat(metric.evaluate(binary(new float[] {-1}, 0))).isEqualTo(0.0);
    }

    @Test
    void multiClassUsesArgmaxWithLowestIndexOnTies() {
        // Row 0: [1, 1, 0] ties 0 and 1 -> predicts 0, label 1: wrong.
        // Row 1: [0, 3, 3] ties 1 and 2 -> predicts 1, label 1: right.
        // Row 2: [0, 0, 5] -> predicts 2, label 2: right.  Error 1/3.
        Predictions p = multi(new float[][] {{1, 1, 0}, {0, 3, 3}, {0, 0, 5}}, 1, 1, 2);
        assertThat(metric.evaluate(p)).isEqualTo(1.0 / 3.0);
    }
}
