package org.metricopt.common.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearnedOptimizerTest {

    @Test
    void aZeroNetworkIsANormalisedMomentumStepOfBaseSize() {
        float[] w = new float[LearnedOptimizer.size(4)];
        LearnedOptimizer opt = new LearnedOptimizer(w, 4, 0.1, 2);
        float[] phi = {0f, 0f};
        opt.step(phi, new float[] {2f, -0.5f}, 1.0, 0);
        // First step: gbar/c1 = g and sqrt(v/c2) = |g|, so u = -sign(g); step 0.1.
        assertThat(phi[0]).isCloseTo(-0.1f, within(1e-6f));
        assertThat(phi[1]).isCloseTo(0.1f, within(1e-6f));
    }

    @Test
    void initialisationIsDeterministicAndWeightsChangeTheStep() {
        float[] a = LearnedOptimizer.initialise(8, 3L);
        assertThat(LearnedOptimizer.initialise(8, 3L)).containsExactly(a);
        float[] b = a.clone();
        b[b.length - 1] = 1f;
        float[] p1 = {0f};
        float[] p2 = {0f};
        new LearnedOptimizer(a, 8, 0.1, 1).step(p1, new float[] {1f}, 1.0, 0);
        new LearnedOptimizer(b, 8, 0.1, 1).step(p2, new float[] {1f}, 1.0, 0);
        assertThat(p2[0]).isNotEqualTo(p1[0]);
    }
}
