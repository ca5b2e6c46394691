package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.metricopt.common.metrics.TestPredictions.binary;
import static org.metricopt.common.metrics.TestPredictions.multi;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKErrorTest {

    // Rows 0-1: scores 0.1, 0.4, 0.3, 0.2, so the class order is 1, 2, 3, 0.
    // Rows 2-3: scores 0.5, 0.5, 0.5, 0.1, tied; lower index first gives the order 0, 1, 2, 3.
    private static final float[][] ROWS = {
        {0.1f, 0.4f, 0.3f, 0.2f},
        {0.1f, 0.4f, 0.3f, 0.2f},
        {0.5f, 0.5f, 0.5f, 0.1f},
        {0.5f, 0.5f, 0.5f, 0.1f}
    };
    private static final Predictions P = multi(ROWS, 2, 3, 2, 1);

    @Test
    void idCarriesK() {
        assertThat(new TopKError(3).id()).isEqualTo("top-k-error:3");
        assertThat(new TopKError(3).k()).isEqualTo(3);
        assertThat(new TopKError(3)).isEqualTo(new TopKError(3)).isNotEqualTo(new TopKError(2));
    }

    @Test
    void topTwoWithTiesByLowerIndex() {
        // k = 2. Row 0: label 2 is in {1, 2}: hit. Row 1: label 3 is not: miss.
        // Row 2: top two of the tie are {0, 1}, label 2 misses. Row 3: label 1 hits. Error 2/4.
        assertThat(new TopKError(2).evaluate(P)).isEqualTo(0.5);
    }

    @Test
    void topOneAndTopThree() {
        // k = 1: the top classes are 1, 1, 0, 0 against labels 2, 3, 2, 1: all miss.
        assertThat(new TopKError(1).evaluate(P)).isEqualTo(1.0);
        // k = 3: top three are {1, 2, 3}, {1, 2, 3}, {0, 1, 2}, {0, 1, 2}: all hit.
        assertThat(new TopKError(3).evaluate(P)).isEqualTo(0.0);
        assertThat(new TopKError(4).evaluate(P)).isEqualTo(0.0);
    }

    @Test
    void topOneIsTheMisclassificationRate() {
        Random rng = new Random(3);
        for (int trial = 0; trial < 100; trial++) {
            Predictions p = TestPredictions.random(rng, 1 + rng.nextInt(30), 2 + rng.nextInt(4), 3);
            assertThat(new TopKError(1).evaluate(p))
                    .isEqualTo(new MisclassificationRate().evaluate(p));
        }
    }

    @Test
    void binaryAllowsOnlyKOne() {
        Predictions p = binary(new float[] {1, -1, 0}, 1, 1, 0);
        // Predictions 1, 0, 0 against 1, 1, 0: one miss in three.
        assertThat(new TopKError(1).evaluate(p)).isEqualTo(1.0 / 3.0);
        assertThatThrownBy(() -> new TopKError(2).evaluate(p))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "top-k-error:2 needs k <= numClasses, but k = 2 and numClasses = 1;"
                                + " a binary task allows only k = 1");
    }

    @Test
    void rejectsKAboveNumClasses() {
        assertThatThrownBy(() -> new TopKError(5).evaluate(P))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "top-k-error:5 needs k <= numClasses, but k = 5 and numClasses = 4;"
                                + " choose a smaller k");
    }

    @Test
    void rejectsKBelowOne() {
        assertThatThrownBy(() -> new TopKError(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("k = 0 is not allowed for top-k-error; k must be at least 1");
    }
}
