package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScoresTest {

    @Test
    void sortKeyFollowsTheFloatOrder() {
        float[] ascending = {
            Float.NEGATIVE_INFINITY,
            -Float.MAX_VALUE,
            -1f,
            -Float.MIN_VALUE,
            0f,
            Float.MIN_VALUE,
            1f,
            Float.MAX_VALUE,
            Float.POSITIVE_INFINITY,
            Float.NaN
        };
        for (int i = 1; i < ascending.length; i++) {
            assertThat(Scores.sortKey(ascending[i]))
                    .as("%s < %s", ascending[i - 1], ascending[i])
                    .isGreaterThan(Scores.sortKey(ascending[i - 1]));
        }
    }

    @Test
    void negativeZeroTiesWithZero() {
        assertThat(Scores.sortKey(-0.0f)).isEqualTo(Scores.sortKey(0.0f));
        assertThat(Scores.compare(-0.0f, 0.0f)).isZero();
    }

    @Test
    void descendingOrderBreaksTiesByIndex() {
        // Scores 0.5, 0.9, 0.5, 0.1, 0.9: descending 0.9 (rows 1, 4), 0.5 (rows 0, 2), 0.1 (row 3).
        float[] scores = {0.5f, 0.9f, 0.5f, 0.1f, 0.9f};
        long[] order = Scores.descendingOrder(scores, 1, 0, 5);
        int[] rows = new int[5];
        for (int k = 0; k < 5; k++) {
            rows[k] = Scores.row(order[k]);
        }
        assertThat(rows).containsExactly(1, 4, 0, 2, 3);
        assertThat(Scores.scoreKey(order[0])).isEqualTo(Scores.scoreKey(order[1]));
        assertThat(Scores.scoreKey(order[1])).isNotEqualTo(Scores.scoreKey(order[2]));
    }

    @Test
    void descendingOrderReadsOneColumn() {
        // Two classes; column 1 holds 3, 1, 2, so the order is rows 0, 2, 1.
        float[] scores = {9, 3, 0, 1, 5, 2};
        long[] order = Scores.descendingOrder(scores, 2, 1, 3);
        assertThat(new int[] {Scores.row(order[0]), Scores.row(order[1]), Scores.row(order[2])})
                .containsExactly(0, 2, 1);
    }

    @Test
    void argmaxTakesTheLowestIndexAmongTies() {
        // Row 0 is [1, 3, 3, 0]; row 1 is all -1.
        float[] scores = {1, 3, 3, 0, -1, -1, -1, -1};
        assertThat(Scores.argmax(scores, 4, 0)).isEqualTo(1);
        assertThat(Scores.argmax(scores, 4, 1)).isEqualTo(0);
    }
}
