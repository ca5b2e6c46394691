package org.metricopt.common.unroll;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Method ids and what each method is, in one place. */
class MethodTest {

    @Test
    void idsRoundTripAndUnknownIdsNameTheAllowedOnes() {
        for (Method m : Method.values()) {
            assertThat(Method.of(m.id())).isSameAs(m);
        }
        assertThatThrownBy(() -> Method.of("metricopt-sdg"))
                .hasMessageContaining("unknown method 'metricopt-sdg'")
                .hasMessageContaining("metricopt-sgd, metricopt-adam");
    }

    @Test
    void baseOptimizerRuleAndBestObservedFollowTheIds() {
        assertThat(Method.CE_SGD_BEST_OBSERVED.baseOptimizer()).isEqualTo("sgd");
        assertThat(Method.METRICOPT_RANDOM_ADAM.baseOptimizer()).isEqualTo("adam");
        assertThat(Method.AP_SURROGATE.baseOptimizer()).isEqualTo("adam");
        assertThat(Method.METRICOPT_LEARNED.baseOptimizer()).isEqualTo("learned");
        assertThat(Method.METRICOPT_ADAM_BEST_OBSERVED.unrolled()).isSameAs(Method.METRICOPT_ADAM);
        assertThat(Method.CE_SGD.withBestObserved()).contains(Method.CE_SGD_BEST_OBSERVED);
        assertThat(Method.METRICOPT_LEARNED.withBestObserved()).isEmpty();
        assertThat(Method.METRICOPT_ORACLE_SGD.crossEntropyBaseline()).isSameAs(Method.CE_SGD);
        for (Method m : Method.values()) {
            assertThat(m.valueGuided())
                    .as(m.id())
                    .isEqualTo(m.id().startsWith("metricopt-") && m != Method.METRICOPT_LEARNED);
            assertThat(m.bestObserved()).isEqualTo(m.id().endsWith("-best-observed"));
            assertThat(m.control())
                    .isEqualTo(m.id().contains("-random-") || m.id().contains("-oracle-"));
        }
    }
}
