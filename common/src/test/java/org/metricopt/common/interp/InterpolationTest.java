package org.metricopt.common.interp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InterpolationTest {

    @Test
    void copiesArraysInAndOut() {
        double[] mean = {1, 2, 3};
        double[] std = {0.1, 0.2, 0.3};
        Interpolation interpolation = new Interpolation(mean, std);

        mean[0] = 99;
        interpolation.std()[1] = 99;

        assertThat(interpolation.mean()).containsExactly(1, 2, 3);
        assertThat(interpolation.std(1)).isEqualTo(0.2);
        assertThat(interpolation.horizon()).isEqualTo(2);
        assertThat(interpolation).isEqualTo(new Interpolation(new double[] {1, 2, 3}, std));
    }

    @Test
    void rejectsMismatchedLengths() {
        assertThatThrownBy(() -> new Interpolation(new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("same, non-zero length");
    }
}
