package org.metricopt.common.learned;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.metricopt.common.rng.Keys;

/**
 * ES perturbations are regenerated from their keys, never shipped. The estimators' statistics on a
 * quadratic are tested through the shipped learner (MetaLearnerTest in the outer package).
 */
class PerturbationsTest {
    @Test
    void epsilonRegeneratedFromItsKeyIsBitIdenticalAndKeysDiffer() {
        float[] a = Perturbations.epsilon(42L, 7, 3, 1, 500);
        float[] again = Perturbations.epsilon(42L, 7, 3, 1, 500);
        float[] otherPair = Perturbations.epsilon(42L, 7, 3, 2, 500);
        for (int i = 0; i < a.length; i++) {
            assertThat(Float.floatToRawIntBits(again[i])).isEqualTo(Float.floatToRawIntBits(a[i]));
        }
        assertThat(Perturbations.hash(again)).isEqualTo(Perturbations.hash(a));
        assertThat(otherPair).isNotEqualTo(a);
        assertThat(Perturbations.hash(otherPair)).isNotEqualTo(Perturbations.hash(a));
        SplittableRandom unused = Keys.rng(1, "x");
        assertThat(unused).isNotNull();
    }
}
