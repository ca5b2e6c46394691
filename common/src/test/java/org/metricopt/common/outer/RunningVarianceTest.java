package org.metricopt.common.outer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The running variance behind the inverse-variance combination: values, bias and storage. */
class RunningVarianceTest {

    @Test
    void theFirstUpdateIsTheBatchVarianceAndTheSecondTheCorrectedAverage() {
        RunningVariance empty = RunningVariance.empty(2);
        assertThat(empty.estimate()).containsExactly(1.0, 1.0);
        RunningVariance one = empty.update(new double[] {4.0, 0.5});
        assertThat(one.estimate()).containsExactly(4.0, 0.5);
        RunningVariance two = one.update(new double[] {2.0, 1.5});
        // (0.09 x1 + 0.1 x2) / (1 - 0.81)
        assertThat(two.estimate()[0]).isCloseTo((0.09 * 4 + 0.1 * 2) / 0.19, within(1e-6));
        assertThat(two.estimate()[1]).isCloseTo((0.09 * 0.5 + 0.1 * 1.5) / 0.19, within(1e-6));
        assertThat(two.updates()).isEqualTo(2);
    }

    @Test
    void aConstantVarianceIsEstimatedExactlyFromTheFirstUpdateOn() {
        // An average started from 1 would read 0.9^n + (1 - 0.9^n) * 0.01: 0.91 after one batch,
        // still 0.13 after twenty; the corrected one has no such start-up bias.
        RunningVariance r = RunningVariance.empty(1);
        for (int n = 1; n <= 30; n++) {
            r = r.update(new double[] {0.01});
            assertThat(r.estimate()[0]).as("after %d updates", n).isCloseTo(0.01, within(1e-8));
        }
    }

    @Test
    void itsExpectationIsTheTrueVarianceAtEveryUpdate() {
        // Batch variances scattered around 2.5 (uniform on [0, 5]): the mean of the estimate over
        // many independent sequences matches 2.5 after 1, 3 and 10 updates, within 4 standard
        // errors.
        int sequences = 20_000;
        int[] checkpoints = {1, 3, 10};
        double[] sum = new double[checkpoints.length];
        double[] sumSq = new double[checkpoints.length];
        SplittableRandom rng = new SplittableRandom(3);
        for (int s = 0; s < sequences; s++) {
            RunningVariance r = RunningVariance.empty(1);
            int c = 0;
            for (int n = 1; n <= 10; n++) {
                r = r.update(new double[] {5.0 * rng.nextDouble()});
                if (n == checkpoints[c]) {
                    sum[c] += r.estimate()[0];
                    sumSq[c] += r.estimate()[0] * r.estimate()[0];
                    c++;
                }
            }
        }
        for (int c = 0; c < checkpoints.length; c++) {
            double mean = sum[c] / sequences;
            double se = Math.sqrt((sumSq[c] / sequences - mean * mean) / sequences);
            assertThat(mean).as("after %d updates", checkpoints[c]).isCloseTo(2.5, within(4 * se));
        }
    }

    @Test
    void aNonFiniteBatchVarianceLeavesTheCoordinateAsItWas() {
        RunningVariance r =
                RunningVariance.empty(2).update(new double[] {Double.POSITIVE_INFINITY, 3.0});
        assertThat(r.estimate()).containsExactly(1.0, 3.0);
        r = r.update(new double[] {2.0, Double.NaN});
        assertThat(r.estimate()).containsExactly(2.0, 3.0);
    }

    @Test
    void itIsStoredInTheMetaStateWithItsCounterAndReadBack() {
        MetaState s = new MetaState(4, "fp", new TreeMap<>(), new TreeMap<>());
        RunningVariance r = RunningVariance.empty(3).update(new double[] {1, 2, 3});
        MetaState stored = r.store(s, MetaState.LEARNED_VAR_ES);
        assertThat(stored.iteration()).isEqualTo(4);
        RunningVariance back = RunningVariance.of(stored, MetaState.LEARNED_VAR_ES, 3);
        assertThat(back.values()).containsExactly(r.values());
        assertThat(back.updates()).isEqualTo(1);
        assertThat(RunningVariance.of(s, MetaState.LEARNED_VAR_RP, 3).estimate())
                .containsExactly(1.0, 1.0, 1.0);
    }
}
