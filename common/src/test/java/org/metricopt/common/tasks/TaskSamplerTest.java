package org.metricopt.common.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.FamilyConfig;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.Range;

class TaskSamplerTest {
    private static final double EPS = 1e-9;

    private static MetricOptConfig config;
    private static TaskSampler sampler;

    @BeforeAll
    static void loadDefaults() {
        config = ConfigLoader.load(null, List.of());
        sampler = new TaskSampler(config);
    }

    private static TaskSampler samplerWith(String... overrides) {
        return new TaskSampler(ConfigLoader.load(null, List.of(overrides)));
    }

    /** Field-by-field equality, arrays by content. */
    static void assertSameSpec(TaskSpec actual, TaskSpec expected) {
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
    }

    @Test
    void sameCoordinatesGiveEqualSpecs() {
        TaskSampler other = new TaskSampler(ConfigLoader.load(null, List.of()));
        for (String stream : TaskSampler.STREAMS) {
            for (int index = 0; index < 30; index++) {
                TaskSpec a = sampler.sample(stream, 7, index);
                TaskSpec b = other.sample(stream, 7, index);

                assertSameSpec(a, b);
                assertThat(a.classes()).isNotSameAs(b.classes());
            }
        }
    }

    @Test
    void specComparisonSeesArrayContents() {
        TaskSpec a = sampler.sample(TaskSampler.META_TRAIN, 0, 0);
        int[] otherSteps = a.observationSteps().clone();
        otherSteps[1]++;
        TaskSpec b = a.toBuilder().observationSteps(otherSteps).build();

        assertThatThrownBy(() -> assertSameSpec(b, a)).isInstanceOf(AssertionError.class);
    }

    @Test
    void sampleBatchEqualsIndividualSamples() {
        List<TaskSpec> batch = sampler.sampleBatch(TaskSampler.VALIDATION, 3, 5);

        assertThat(batch).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertSameSpec(batch.get(i), sampler.sample(TaskSampler.VALIDATION, 3, i));
        }
    }

    @Test
    void differentIndicesAndIterationsGiveDifferentSeeds() {
        Set<Long> seeds = new HashSet<>();
        for (int iteration = 0; iteration < 20; iteration++) {
            for (int index = 0; index < 50; index++) {
                TaskSpec s = sampler.sample(TaskSampler.META_TRAIN, iteration, index);
                assertThat(s.iteration()).isEqualTo(iteration);
                assertThat(s.index()).isEqualTo(index);
                assertThat(s.id()).isEqualTo("meta-train/" + iteration + "/" + index);
                seeds.add(s.seed());
            }
        }

        assertThat(seeds).hasSize(20 * 50);
    }

    @Test
    void metaTrainAndMetaTestNeverShareASeed() {
        Set<Long> train = new HashSet<>();
        Set<Long> test = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            TaskSpec tr = sampler.sample(TaskSampler.META_TRAIN, i / 100, i % 100);
            TaskSpec te = sampler.sample(TaskSampler.META_TEST, i / 100, i % 100);
            assertThat(tr.metaTestPool()).isFalse();
            assertThat(te.metaTestPool()).isTrue();
            train.add(tr.seed());
            test.add(te.seed());
        }

        assertThat(train).hasSize(2000).doesNotContainAnyElementsOf(test);
        assertThat(test).hasSize(2000);
    }

    @Test
    void onlyMetaTestTasksUseTheMetaTestPool() {
        for (String stream : TaskSampler.STREAMS) {
            assertThat(sampler.sample(stream, 0, 0).metaTestPool())
                    .as(stream)
                    .isEqualTo(TaskSampler.META_TEST.equals(stream));
        }
    }

    @Test
    void streamsDrawDifferentTasksAtTheSameCoordinates() {
        int differentFamily = 0;
        for (int i = 0; i < 100; i++) {
            TaskSpec tr = sampler.sample(TaskSampler.META_TRAIN, 0, i);
            TaskSpec te = sampler.sample(TaskSampler.META_TEST, 0, i);
            if (!tr.family().equals(te.family())) {
                differentFamily++;
            }
        }

        // With three equally weighted families about two thirds differ.
        assertThat(differentFamily).isBetween(45, 85);
    }

    @Test
    void mixtureFrequenciesFollowTheWeights() {
        TaskSampler weighted =
                samplerWith(
                        "tasks.mixture.aucpr-imbalanced=2",
                        "tasks.mixture.mcr-noisy=1",
                        "tasks.mixture.input-shift=1");
        Map<String, Integer> counts = new HashMap<>();
        int n = 3000;
        for (int i = 0; i < n; i++) {
            counts.merge(weighted.sample(TaskSampler.META_TRAIN, i, 0).family(), 1, Integer::sum);
        }

        assertThat(counts).containsOnlyKeys("aucpr-imbalanced", "mcr-noisy", "input-shift");
        assertThat(counts.get("aucpr-imbalanced") / (double) n).isCloseTo(0.5, within(0.04));
        assertThat(counts.get("mcr-noisy") / (double) n).isCloseTo(0.25, within(0.04));
        assertThat(counts.get("input-shift") / (double) n).isCloseTo(0.25, within(0.04));
    }

    @Test
    void zeroWeightFamilyIsNeverDrawn() {
        TaskSampler onlyOne =
                samplerWith("tasks.mixture.aucpr-imbalanced=0", "tasks.mixture.input-shift=0");
        for (int i = 0; i < 300; i++) {
            assertThat(onlyOne.sample(TaskSampler.META_TRAIN, 0, i).family())
                    .isEqualTo("mcr-noisy");
        }
    }

    @Test
    void oneVsRestSpecsHaveOneClassAndAPositiveFractionInRange() {
        FamilyConfig family = config.tasks().families().get("aucpr-imbalanced");
        Range range = family.positiveFraction();
        Set<Integer> classesSeen = new HashSet<>();
        int seen = 0;
        for (int i = 0; i < 1500; i++) {
            TaskSpec s = sampler.sample(TaskSampler.META_TRAIN, 1, i);
            if (!s.family().equals("aucpr-imbalanced")) {
                continue;
            }
            seen++;
            assertThat(s.kind()).isEqualTo(FamilyConfig.ONE_VS_REST);
            assertThat(s.isBinary()).isTrue();
            assertThat(s.numOutputs()).isEqualTo(1);
            assertThat(s.metric()).isEqualTo("one-minus-aucpr");
            assertThat(s.classes()).hasSize(1);
            assertThat(s.classes()[0]).isBetween(0, 9);
            assertThat(s.classWeights()).containsExactly(1.0);
            assertThat(s.positiveFraction()).isBetween(range.lo(), range.hi());
            assertThat(s.labelNoise()).isZero();
            assertThat(s.minEvalPositives()).isEqualTo(family.minEvalPositives());
            assertInRange(s.contrast(), family.contrast());
            assertInRange(s.brightness(), family.brightness());
            assertInRange(s.noiseStd(), family.noiseStd());
            assertThat(s.rotationDeg()).isZero();
            classesSeen.add(s.classes()[0]);
        }

        assertThat(seen).isGreaterThan(300);
        assertThat(classesSeen).hasSize(10);
    }

    private static void assertInRange(double v, Range r) {
        assertThat(v).isBetween(r.lo(), r.hi());
    }

    @Test
    void multiclassSpecsHaveSortedDistinctClassesAndNormalisedImbalancedWeights() {
        FamilyConfig family = config.tasks().families().get("mcr-noisy");
        Set<Integer> sizesSeen = new HashSet<>();
        double maxRatioSeen = 1.0;
        int seen = 0;
        for (int i = 0; i < 1500; i++) {
            TaskSpec s = sampler.sample(TaskSampler.META_TRAIN, 2, i);
            if (!s.family().equals("mcr-noisy")) {
                continue;
            }
            seen++;
            int c = s.classes().length;
            assertThat(s.isBinary()).isFalse();
            assertThat(s.numOutputs()).isEqualTo(c);
            assertThat(c).isBetween((int) family.numClasses().lo(), (int) family.numClasses().hi());
            assertThat(s.classes()).isSorted().doesNotHaveDuplicates();
            assertThat(s.classes()[0]).isGreaterThanOrEqualTo(0);
            assertThat(s.classes()[c - 1]).isLessThanOrEqualTo(9);
            assertThat(s.classWeights()).hasSize(c);
            assertThat(Arrays.stream(s.classWeights()).sum()).isCloseTo(1.0, within(EPS));
            double max = Arrays.stream(s.classWeights()).max().orElseThrow();
            double min = Arrays.stream(s.classWeights()).min().orElseThrow();
            assertThat(min).isPositive();
            assertThat(max / min)
                    .isBetween(
                            family.imbalanceRatio().lo() - EPS, family.imbalanceRatio().hi() + EPS);
            assertInRange(s.labelNoise(), family.labelNoise());
            assertThat(s.positiveFraction()).isZero();
            sizesSeen.add(c);
            maxRatioSeen = Math.max(maxRatioSeen, max / min);
        }

        assertThat(seen).isGreaterThan(300);
        // Both ends of num-classes = [3, 10] are drawn.
        assertThat(sizesSeen).contains(3, 10);
        assertThat(maxRatioSeen).isGreaterThan(8.0);
    }

    @Test
    void fixedImbalanceRatioIsExactlyTheRatioOfMostToLeastFrequentClass() {
        TaskSampler fixed =
                samplerWith(
                        "tasks.mixture.aucpr-imbalanced=0",
                        "tasks.mixture.input-shift=0",
                        "tasks.families.mcr-noisy.imbalance-ratio=[4, 4]",
                        "tasks.families.mcr-noisy.num-classes=[5, 5]");
        for (int i = 0; i < 50; i++) {
            double[] w = fixed.sample(TaskSampler.META_TRAIN, 0, i).classWeights();
            double[] sorted = w.clone();
            Arrays.sort(sorted);

            assertThat(sorted[4] / sorted[0]).isCloseTo(4.0, within(1e-9));
            // Geometric profile: equal ratios between neighbours in frequency order.
            for (int j = 1; j < 5; j++) {
                assertThat(sorted[j] / sorted[j - 1]).isCloseTo(Math.sqrt(2.0), within(1e-9));
            }
        }
    }

    @Test
    void imbalancedWeightsWithRatioOneAreUniform() {
        double[] w = TaskSampler.imbalancedWeights(new SplittableRandom(1), 4, 1.0);

        assertThat(w).containsExactly(0.25, 0.25, 0.25, 0.25);
    }

    @Test
    void inputShiftSpecsDrawRotationAndNoiseFromTheirRanges() {
        FamilyConfig family = config.tasks().families().get("input-shift");
        int seen = 0;
        boolean anyRotation = false;
        for (int i = 0; i < 600; i++) {
            TaskSpec s = sampler.sample(TaskSampler.META_TRAIN, 4, i);
            if (!s.family().equals("input-shift")) {
                continue;
            }
            seen++;
            assertThat(s.classes()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
            assertInRange(s.rotationDeg(), family.rotationDeg());
            assertInRange(s.noiseStd(), family.noiseStd());
            assertInRange(s.contrast(), family.contrast());
            assertInRange(s.brightness(), family.brightness());
            anyRotation |= s.rotationDeg() != 0.0;
        }

        assertThat(seen).isGreaterThan(100);
        assertThat(anyRotation).isTrue();
    }

    @Test
    void specsCarryTheConfiguredSizesAndInnerLoop() {
        TaskSampler custom =
                samplerWith(
                        "inner.steps=50",
                        "inner.optimizer=sgd",
                        "inner.batch-size=16",
                        "tasks.train-size=300",
                        "tasks.val-size=120",
                        "tasks.test-size=200");

        TaskSpec s = custom.sample(TaskSampler.FINETUNE, 0, 0);

        assertThat(s.steps()).isEqualTo(50);
        assertThat(s.observationSteps()).containsExactly(0, 17, 33, 50);
        assertThat(s.optimizer()).isEqualTo("sgd");
        assertThat(s.learningRate()).isEqualTo(0.3);
        assertThat(s.momentum()).isEqualTo(0.9);
        assertThat(s.batchSize()).isEqualTo(16);
        assertThat(s.trainSize()).isEqualTo(300);
        assertThat(s.valSize()).isEqualTo(120);
        assertThat(s.testSize()).isEqualTo(200);
        assertThat(s.stream()).isEqualTo(TaskSampler.FINETUNE);
    }

    @Test
    void differentRunSeedsGiveDifferentTasks() {
        TaskSampler other = samplerWith("seed=1");

        assertThat(other.sample(TaskSampler.META_TRAIN, 0, 0).seed())
                .isNotEqualTo(sampler.sample(TaskSampler.META_TRAIN, 0, 0).seed());
    }

    @Test
    void unknownStreamIsRejected() {
        assertThatThrownBy(() -> sampler.sample("meta-tset", 0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("meta-tset")
                .hasMessageContaining(TaskSampler.META_TEST);
    }
}
