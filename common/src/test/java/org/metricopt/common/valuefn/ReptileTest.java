package org.metricopt.common.valuefn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Reptile update {@code w + eta * mean_i(w~_i - w)} on cases small enough to check by hand. */
class ReptileTest {

    @Test
    void updateEqualsTheFormulaOnAHandComputedCase() {
        float[] w = {1f, 2f};
        // w~ - w = [2, 0] and [0, -2]; their mean is [1, -1]; w + 0.5 * [1, -1] = [1.5, 1.5].
        float[] next = Reptile.update(w, List.of(new float[] {3f, 2f}, new float[] {1f, 0f}), 0.5);
        assertThat(next).containsExactly(1.5f, 1.5f);
        assertThat(w).as("the meta-weights are not modified").containsExactly(1f, 2f);
    }

    @Test
    void stepOfOneWithOneTaskMovesAllTheWayAndStepOfZeroStays() {
        float[] w = {0.25f, -4f, 8f};
        float[] adapted = {1f, 2f, 3f};
        assertThat(Reptile.update(w, List.of(adapted), 1.0)).containsExactly(adapted);
        assertThat(Reptile.update(w, List.of(adapted), 0.0)).containsExactly(w);
    }

    @Test
    void resultDoesNotDependOnTheOrderOfTheTasks() {
        float[] w = {0.1f, 0.2f};
        float[] a = {0.3f, -0.7f};
        float[] b = {1.1f, 0.9f};
        float[] c = {-0.5f, 0.4f};
        assertThat(Reptile.update(w, List.of(a, b, c), 0.7))
                .containsExactly(Reptile.update(w, List.of(c, a, b), 0.7));
    }

    @Test
    void emptyBatchReturnsACopyOfTheWeights() {
        float[] w = {1f, 2f};
        float[] next = Reptile.update(w, List.of(), 0.5);
        assertThat(next).containsExactly(1f, 2f).isNotSameAs(w);
    }

    @Test
    void adaptedWeightsOfAnotherLengthAreRejected() {
        float[] w = {1f, 2f};
        assertThatThrownBy(
                        () ->
                                Reptile.update(
                                        w, List.of(new float[] {1f, 2f}, new float[] {1f}), 0.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 numbers")
                .hasMessageContaining("expected 2");
    }
}
