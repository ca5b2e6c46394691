package org.metricopt.common.rng;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class KeysTest {
    private static final long SEED = 20210619L;

    /** Keys.derive(SEED, "task:meta-train", 0, 0) as computed when the key schedule was fixed. */
    private static final long GOLDEN = -6209876688006312711L;

    private static long[] draws(SplittableRandom rng, int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = rng.nextLong();
        }
        return out;
    }

    @Test
    void sameSeedPurposeAndIdsGiveTheSameKeyAndStream() {
        assertThat(Keys.derive(SEED, "task", 3, 7)).isEqualTo(Keys.derive(SEED, "task", 3, 7));
        assertThat(draws(Keys.rng(SEED, "minibatch", 1, 2, 3), 100))
                .containsExactly(draws(Keys.rng(SEED, "minibatch", 1, 2, 3), 100));
    }

    @Test
    void keysArePinnedAcrossJvmsAndReleases() {
        // The Java specification fixes String.hashCode, so keys must not change between runs;
        // a change here silently changes every task of every existing run.
        assertThat(Keys.derive(0L, "")).isEqualTo(Keys.mix(Keys.mix(0x9e3779b97f4a7c15L)));
        assertThat(Keys.mix(0L)).isZero();
        assertThat(Keys.derive(SEED, "task:meta-train", 0, 0)).isEqualTo(GOLDEN);
    }

    @Test
    void differentSeedsPurposesOrIdsGiveDifferentKeys() {
        Set<Long> keys = new HashSet<>();
        keys.add(Keys.derive(SEED, "task"));
        keys.add(Keys.derive(SEED + 1, "task"));
        keys.add(Keys.derive(SEED, "data"));
        keys.add(Keys.derive(SEED, "task", 0));
        keys.add(Keys.derive(SEED, "task", 1));
        keys.add(Keys.derive(SEED, "task", 0, 0));
        keys.add(Keys.derive(SEED, "task", 0, 1));
        keys.add(Keys.derive(SEED, "task", 1, 0));
        keys.add(Keys.derive(SEED, "task:meta-train", 0, 0));
        keys.add(Keys.derive(SEED, "task:meta-test", 0, 0));

        assertThat(keys).hasSize(10);
    }

    @Test
    void idOrderMatters() {
        assertThat(Keys.derive(SEED, "pair", 1, 2)).isNotEqualTo(Keys.derive(SEED, "pair", 2, 1));
    }

    @Test
    void manyNeighbouringIdsNeverCollide() {
        Set<Long> keys = new HashSet<>();
        for (int iteration = 0; iteration < 100; iteration++) {
            for (int index = 0; index < 100; index++) {
                keys.add(Keys.derive(SEED, "task", iteration, index));
                keys.add(Keys.derive(SEED, "data", iteration, index));
            }
        }

        assertThat(keys).hasSize(2 * 100 * 100);
    }

    @Test
    void differentPurposesGiveDifferentStreams() {
        long[] a = draws(Keys.rng(SEED, "minibatch", 4), 50);
        long[] b = draws(Keys.rng(SEED, "phi-init", 4), 50);
        long[] c = draws(Keys.rng(SEED, "minibatch", 5), 50);

        assertThat(a).isNotEqualTo(b).isNotEqualTo(c);
        Set<Long> all = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            all.add(a[i]);
            all.add(b[i]);
            all.add(c[i]);
        }
        assertThat(all).hasSize(150);
    }

    @Test
    void sampleWithoutReplacementGivesDistinctInRangeValues() {
        SplittableRandom rng = Keys.rng(SEED, "test");
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + rng.nextInt(50);
            int k = rng.nextInt(n + 1);

            int[] s = Keys.sampleWithoutReplacement(rng, n, k);

            assertThat(s).hasSize(k).doesNotHaveDuplicates();
            for (int v : s) {
                assertThat(v).isBetween(0, n - 1);
            }
        }
    }

    @Test
    void sampleOfAllItemsIsAPermutation() {
        int[] s = Keys.sampleWithoutReplacement(Keys.rng(SEED, "perm"), 30, 30);

        assertThat(s).containsExactlyInAnyOrder(IntStream.range(0, 30).toArray());
        assertThat(s).isNotEqualTo(IntStream.range(0, 30).toArray());
    }

    @Test
    void sampleWithoutReplacementIsDeterministicAndKeyed() {
        int[] a = Keys.sampleWithoutReplacement(Keys.rng(SEED, "s", 1), 1000, 20);
        int[] b = Keys.sampleWithoutReplacement(Keys.rng(SEED, "s", 1), 1000, 20);
        int[] c = Keys.sampleWithoutReplacement(Keys.rng(SEED, "s", 2), 1000, 20);

        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void sampleWithoutReplacementIsRoughlyUniform() {
        SplittableRandom rng = Keys.rng(SEED, "uniform");
        int[] hits = new int[10];
        int trials = 10000;
        for (int t = 0; t < trials; t++) {
            for (int v : Keys.sampleWithoutReplacement(rng, 10, 3)) {
                hits[v]++;
            }
        }
        double expected = trials * 3 / 10.0;
        for (int h : hits) {
            assertThat((double) h).isCloseTo(expected, within(0.05 * expected));
        }
    }

    @Test
    void sampleWithoutReplacementRejectsMoreThanAvailable() {
        SplittableRandom rng = Keys.rng(SEED, "reject");

        assertThatThrownBy(() -> Keys.sampleWithoutReplacement(rng, 5, 6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("6")
                .hasMessageContaining("5");
        assertThatThrownBy(() -> Keys.sampleWithoutReplacement(rng, 5, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void gaussianHasMeanZeroAndVarianceOne() {
        SplittableRandom rng = Keys.rng(SEED, "gaussian");
        int n = 20000;
        double sum = 0;
        double sumSq = 0;
        int beyondThree = 0;
        for (int i = 0; i < n; i++) {
            double g = Keys.gaussian(rng);
            assertThat(g).isFinite();
            sum += g;
            sumSq += g * g;
            if (Math.abs(g) > 3) {
                beyondThree++;
            }
        }
        double mean = sum / n;
        double var = sumSq / n - mean * mean;

        assertThat(mean).isCloseTo(0.0, within(0.05));
        assertThat(var).isCloseTo(1.0, within(0.05));
        // P(|Z| > 3) = 0.0027: about 54 of 20000.
        assertThat(beyondThree).isBetween(25, 90);
    }

    @Test
    void gaussianIsDeterministicForAKey() {
        SplittableRandom a = Keys.rng(SEED, "g", 9);
        SplittableRandom b = Keys.rng(SEED, "g", 9);
        for (int i = 0; i < 100; i++) {
            assertThat(Keys.gaussian(a)).isEqualTo(Keys.gaussian(b));
        }
    }
}
