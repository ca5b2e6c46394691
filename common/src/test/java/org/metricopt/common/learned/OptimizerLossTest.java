package org.metricopt.common.learned;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class OptimizerLossTest {

    @Test
    void matchesSupplementEquationTwoOnAHandWorkedCase() {
        // T = 2, M = [0.5, 0.4, 0.45], loss = [1, e - 1, e^2 - 1] with eps = 1:
        // t=1: best before = 0.5; softplus(beta (0.4 - 0.5) / 0.4) with beta = 1: softplus(-0.25)
        // t=2: best before = 0.4; softplus((0.45 - 0.4) / 0.45) = softplus(0.1111)
        // L_metric = (softplus(-0.25) + softplus(1/9)) / 2
        // L_loss = ((log e - log 2) + (log e^2 - log 2)) / 2 = (3 - 2 log 2) / 2
        double[] m = {0.5, 0.4, 0.45};
        float[] l = {1f, (float) (Math.E - 1), (float) (Math.E * Math.E - 1)};
        double lambda = 3.0;
        double expectedMetric =
                (Math.log1p(Math.exp(-0.25)) + Math.log1p(Math.exp(0.05 / 0.45))) / 2;
        double expectedLoss =
                ((Math.log(l[1] + 1.0) - Math.log(2)) + (Math.log(l[2] + 1.0) - Math.log(2))) / 2;
        assertThat(OptimizerLoss.value(m, l, lambda, 1.0, 1.0))
                .isCloseTo(lambda * expectedMetric + expectedLoss, within(1e-9));
    }

    @Test
    void observationsAverageOverTheirOwnTransitionsAndLossesOverEveryStep() {
        // Two observations (one transition) against T = 3 losses, eps = 1, beta = 2:
        // L_metric = softplus(2 (0.3 - 0.4) / 0.3); L_loss = mean of log((l_t + 1) / 2).
        double[] observed = {0.4, 0.3};
        float[] l = {1f, 0.5f, 0.25f, 0f};
        double expectedMetric = Math.log1p(Math.exp(2 * (0.3 - 0.4) / 0.3));
        double expectedLoss = (Math.log(1.5 / 2) + Math.log(1.25 / 2) + Math.log(1.0 / 2)) / 3;
        assertThat(OptimizerLoss.value(observed, l, 5.0, 2.0, 1.0))
                .isCloseTo(5.0 * expectedMetric + expectedLoss, within(1e-7));
    }

    @Test
    void theMeanRelativeFormAveragesEachMetricsChangeAgainstTheFirst() {
        // M = [0.5, 0.4, 0.6]: ((0.4 - 0.5) / 0.5 + (0.6 - 0.5) / 0.5) / 2 = 0; one loss step.
        float[] l = {1f, 0.5f};
        double loss = Math.log(1.5 / 2);
        assertThat(
                        OptimizerLoss.value(
                                new double[] {0.5, 0.4, 0.6},
                                l,
                                7.0,
                                100.0,
                                1.0,
                                OptimizerLoss.Form.MEAN_RELATIVE))
                .isCloseTo(loss, within(1e-9));
        // M = [0.5, 0.25, 0.25]: mean relative change -0.5, whatever beta is.
        assertThat(
                        OptimizerLoss.value(
                                new double[] {0.5, 0.25, 0.25},
                                l,
                                2.0,
                                1.0,
                                1.0,
                                OptimizerLoss.Form.MEAN_RELATIVE))
                .isCloseTo(2.0 * -0.5 + loss, within(1e-9));
        // Unlike the regret form, holding still scores zero, and a rise costs only its size.
        assertThat(
                        OptimizerLoss.value(
                                new double[] {0.5, 0.5},
                                l,
                                1.0,
                                100.0,
                                1.0,
                                OptimizerLoss.Form.MEAN_RELATIVE))
                .isCloseTo(loss, within(1e-9));
    }

    @Test
    void theMeanChangeFormAveragesEachMetricsChangeInTheMetricsUnits() {
        // M = [0.05, 0.2, 0.05]: ((0.2 - 0.05) + 0) / 2 = 0.075, where mean-relative says 1.5.
        float[] l = {1f, 0.5f};
        double loss = Math.log(1.5 / 2);
        double[] m = {0.05, 0.2, 0.05};
        assertThat(OptimizerLoss.value(m, l, 2.0, 100.0, 1.0, OptimizerLoss.Form.MEAN_CHANGE))
                .isCloseTo(2.0 * 0.075 + loss, within(1e-9));
        assertThat(OptimizerLoss.value(m, l, 2.0, 100.0, 1.0, OptimizerLoss.Form.MEAN_RELATIVE))
                .isCloseTo(2.0 * 1.5 + loss, within(1e-9));
        assertThat(OptimizerLoss.Form.of("mean-change")).isEqualTo(OptimizerLoss.Form.MEAN_CHANGE);
    }

    @Test
    void aMetricThatOnlyImprovesCostsLessThanOneThatRegresses() {
        float[] l = {1f, 0.9f, 0.8f, 0.7f};
        double improving = OptimizerLoss.value(new double[] {0.5, 0.45, 0.4, 0.35}, l, 50, 2, 1e-8);
        double regressing =
                OptimizerLoss.value(new double[] {0.5, 0.55, 0.6, 0.65}, l, 50, 2, 1e-8);
        assertThat(improving).isLessThan(regressing);
    }
}
