package org.metricopt.common.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.FamilyConfig;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;

class TaskDataTest {
    private static final int P = FashionMnist.PIXELS;
    private static final int PRETRAIN = 30_000;
    private static final double META_TEST_FRACTION = 0.3;

    private static FashionMnist ds;
    private static int[] pool;
    private static TaskSampler sampler;

    @BeforeAll
    static void loadDataset() {
        Assumptions.assumeTrue(
                Files.exists(Path.of(FashionMnist.DEFAULT_ROOT, "train-images-idx3-ubyte.gz"))
                        || Files.exists(
                                Path.of(FashionMnist.DEFAULT_ROOT, "train-images-idx3-ubyte")),
                "dataset-fashion-mnist is not installed");
        ds = FashionMnist.load(new Configuration(), FashionMnist.DEFAULT_ROOT);
        pool = DataSplits.of(ds, PRETRAIN).indices(Split.TASK_POOL);
        MetricOptConfig config = ConfigLoader.load(null, List.of());
        sampler = new TaskSampler(config);
    }

    private static TaskData materialise(TaskSpec spec) {
        return TaskData.materialise(spec, ds, pool, META_TEST_FRACTION);
    }

    /** A spec with the default sizes and an identity input shift. */
    private static TaskSpec spec(
            long seed,
            String kind,
            int[] classes,
            double positiveFraction,
            double[] classWeights,
            boolean metaTestPool) {
        return TaskSpec.builder().stream(
                        metaTestPool ? TaskSampler.META_TEST : TaskSampler.META_TRAIN)
                .iteration(0)
                .index(0)
                .seed(seed)
                .family("test-family")
                .kind(kind)
                .metric(
                        FamilyConfig.ONE_VS_REST.equals(kind)
                                ? "one-minus-aucpr"
                                : "misclassification")
                .loss("ce")
                .classes(classes)
                .positiveFraction(positiveFraction)
                .minEvalPositives(10)
                .labelNoise(0.0)
                .classWeights(classWeights)
                .contrast(1.0)
                .brightness(0.0)
                .noiseStd(0.0)
                .rotationDeg(0.0)
                .trainSize(1000)
                .valSize(500)
                .testSize(1000)
                .metaTestPool(metaTestPool)
                .steps(200)
                .observationSteps(new int[] {0, 100, 200})
                .batchSize(64)
                .optimizer("adam")
                .learningRate(0.02)
                .momentum(0.9)
                .phiInitStd(0.0)
                .build();
    }

    private static TaskSpec oneVsRest(long seed, int positiveClass, double positiveFraction) {
        return spec(
                seed,
                FamilyConfig.ONE_VS_REST,
                new int[] {positiveClass},
                positiveFraction,
                new double[] {1.0},
                false);
    }

    private static TaskSpec multiclass(long seed, int[] classes, double[] weights) {
        return spec(seed, FamilyConfig.MULTICLASS, classes, 0.0, weights, false);
    }

    /** A copy of {@code a} with another label noise, input shift and pool. */
    private static TaskSpec copy(
            TaskSpec a,
            double labelNoise,
            double contrast,
            double brightness,
            double noiseStd,
            double rotationDeg,
            boolean metaTestPool) {
        return a.toBuilder()
                .labelNoise(labelNoise)
                .contrast(contrast)
                .brightness(brightness)
                .noiseStd(noiseStd)
                .rotationDeg(rotationDeg)
                .metaTestPool(metaTestPool)
                .build();
    }

    private static TaskSpec firstOfFamily(String stream, String family) {
        for (int i = 0; i < 1000; i++) {
            TaskSpec s = sampler.sample(stream, 0, i);
            if (s.family().equals(family)) {
                return s;
            }
        }
        throw new AssertionError("no " + family + " task in 1000 draws");
    }

    /** The same task with the identity input shift: same examples and labels, faster to build. */
    private static TaskSpec withoutShift(TaskSpec s) {
        return copy(s, s.labelNoise(), 1.0, 0.0, 0.0, 0.0, s.metaTestPool());
    }

    private static double maxAbsDeviation(float[] x, double expected) {
        double worst = 0;
        for (float v : x) {
            worst = Math.max(worst, Math.abs(v - expected));
        }
        return worst;
    }

    /** Bit-for-bit equal; AssertJ's containsExactly is quadratic on arrays this large. */
    private static void assertSameFloats(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        int at = Arrays.mismatch(actual, expected);
        assertThat(at).as("first differing element (-1 = none)").isEqualTo(-1);
    }

    /** Every value of {@code a} lies in [lo, hi). */
    private static void assertAllIn(int[] a, int lo, int hi) {
        for (int v : a) {
            assertThat(v).isGreaterThanOrEqualTo(lo).isLessThan(hi);
        }
    }

    private static int count(int[] labels, int value) {
        int n = 0;
        for (int y : labels) {
            if (y == value) {
                n++;
            }
        }
        return n;
    }

    @Test
    void sizesEqualTheSpecSizes() {
        for (String family : List.of("aucpr-imbalanced", "mcr-noisy", "input-shift")) {
            TaskSpec s = firstOfFamily(TaskSampler.META_TRAIN, family);

            TaskData d = materialise(s);

            assertThat(d.trainY()).as(family).hasSize(s.trainSize());
            assertThat(d.valY()).as(family).hasSize(s.valSize());
            assertThat(d.testY()).as(family).hasSize(s.testSize());
            assertThat(d.trainX()).as(family).hasSize(s.trainSize() * P);
            assertThat(d.valX()).as(family).hasSize(s.valSize() * P);
            assertThat(d.testX()).as(family).hasSize(s.testSize() * P);
            assertThat(d.trainIndices()).hasSize(s.trainSize());
            assertThat(d.valIndices()).hasSize(s.valSize());
            assertThat(d.testIndices()).hasSize(s.testSize());
        }
    }

    @Test
    void oneVsRestHasTheRequestedPositivesAndTrueBinaryLabels() {
        TaskSpec s = oneVsRest(11, 3, 0.037);

        TaskData d = materialise(s);

        assertThat(count(d.trainY(), 1)).isEqualTo((int) Math.round(0.037 * 1000));
        assertThat(count(d.valY(), 1)).isGreaterThanOrEqualTo(s.minEvalPositives());
        assertThat(count(d.testY(), 1)).isGreaterThanOrEqualTo(s.minEvalPositives());
        assertBinaryLabelsMatchSource(d.trainY(), d.trainIndices(), ds.trainLabels(), 3);
        assertBinaryLabelsMatchSource(d.valY(), d.valIndices(), ds.trainLabels(), 3);
        assertBinaryLabelsMatchSource(d.testY(), d.testIndices(), ds.testLabels(), 3);
    }

    private static void assertBinaryLabelsMatchSource(
            int[] y, int[] idx, byte[] sourceLabels, int positiveClass) {
        for (int i = 0; i < y.length; i++) {
            assertThat(y[i]).isIn(0, 1);
            assertThat(y[i] == 1).isEqualTo(sourceLabels[idx[i]] == positiveClass);
        }
    }

    @Test
    void oneVsRestPositivesAreShuffledIntoTheTrainingSet() {
        TaskData d = materialise(oneVsRest(12, 0, 0.1));

        int firstHundred = count(Arrays.copyOf(d.trainY(), 100), 1);

        assertThat(firstHundred).isLessThan(40);
    }

    @Test
    void tinyPositiveFractionStillGivesOnePositive() {
        TaskData d = materialise(oneVsRest(13, 7, 0.0001));

        assertThat(count(d.trainY(), 1)).isEqualTo(1);
        assertThat(count(d.valY(), 1)).isEqualTo(10);
        assertThat(count(d.testY(), 1)).isEqualTo(10);
    }

    @Test
    void nearlyAllPositiveTasksKeepTheirSizesAndANegativeInEverySplit() {
        TaskSpec s = oneVsRest(14, 8, 0.9995);

        TaskData d = materialise(s);

        assertThat(d.trainY()).hasSize(1000);
        assertThat(d.valY()).hasSize(500);
        assertThat(d.testY()).hasSize(1000);
        assertThat(count(d.trainY(), 0)).isEqualTo(1);
        assertThat(count(d.valY(), 0)).isEqualTo(1);
        assertThat(count(d.testY(), 0)).isEqualTo(1);
    }

    @Test
    void sampledOneVsRestTasksHonourTheirPositiveFraction() {
        for (int i = 0; i < 120; i++) {
            TaskSpec s = sampler.sample(TaskSampler.META_TRAIN, 5, i);
            if (!s.isBinary()) {
                continue;
            }
            TaskData d = materialise(withoutShift(s));
            int expected = Math.max(1, (int) Math.round(s.positiveFraction() * s.trainSize()));

            assertThat(count(d.trainY(), 1)).as(s.id()).isEqualTo(expected);
            assertThat(count(d.valY(), 1)).isGreaterThanOrEqualTo(s.minEvalPositives());
            assertThat(count(d.testY(), 1)).isGreaterThanOrEqualTo(s.minEvalPositives());
        }
    }

    @Test
    void multiclassLabelsArePositionsInClassesAndFollowTheWeights() {
        int[] classes = {1, 4, 8};
        double[] weights = {0.6, 0.3, 0.1};
        TaskSpec s = multiclass(21, classes, weights);

        TaskData d = materialise(s);

        for (int[] y : List.of(d.trainY(), d.valY(), d.testY())) {
            assertAllIn(y, 0, classes.length);
        }
        for (int j = 0; j < classes.length; j++) {
            assertThat(count(d.trainY(), j)).isCloseTo((int) (weights[j] * 1000), within(1));
            // Validation and test are balanced over the task's classes.
            assertThat(count(d.valY(), j)).isCloseTo(500 / 3, within(1));
            assertThat(count(d.testY(), j)).isCloseTo(1000 / 3, within(1));
        }
        assertMulticlassLabelsMatchSource(d.trainY(), d.trainIndices(), ds.trainLabels(), classes);
        assertMulticlassLabelsMatchSource(d.valY(), d.valIndices(), ds.trainLabels(), classes);
        assertMulticlassLabelsMatchSource(d.testY(), d.testIndices(), ds.testLabels(), classes);
    }

    private static void assertMulticlassLabelsMatchSource(
            int[] y, int[] idx, byte[] sourceLabels, int[] classes) {
        for (int i = 0; i < y.length; i++) {
            assertThat((int) sourceLabels[idx[i]]).isEqualTo(classes[y[i]]);
        }
    }

    @Test
    void sampledMulticlassTrainingCountsFollowTheClassWeights() {
        int checked = 0;
        for (int i = 0; i < 100 && checked < 15; i++) {
            TaskSpec s = sampler.sample(TaskSampler.META_TRAIN, 6, i);
            if (s.isBinary()) {
                continue;
            }
            checked++;
            TaskSpec clean = copy(s, 0.0, 1.0, 0.0, 0.0, 0.0, false);

            TaskData d = materialise(clean);

            int c = s.classes().length;
            int total = 0;
            for (int j = 0; j < c; j++) {
                int n = count(d.trainY(), j);
                total += n;
                assertThat((double) n)
                        .as(s.id() + " class " + j)
                        .isCloseTo(s.classWeights()[j] * s.trainSize(), within(1.0));
            }
            assertThat(total).isEqualTo(s.trainSize());
        }
        assertThat(checked).isEqualTo(15);
    }

    @Test
    void countsRoundToTheTotalWithAtLeastOnePerClass() {
        assertThat(TaskData.counts(new double[] {0.5, 0.25, 0.25}, 10)).containsExactly(5, 3, 2);
        assertThat(TaskData.counts(new double[] {0.998, 0.001, 0.001}, 100))
                .containsExactly(98, 1, 1);
        int[] c = TaskData.counts(new double[] {1 / 3.0, 1 / 3.0, 1 / 3.0}, 500);
        assertThat(c[0] + c[1] + c[2]).isEqualTo(500);
        assertAllIn(c, 166, 168);
    }

    @Test
    void labelNoiseFlipsAboutThatFractionOfTrainingLabelsOnly() {
        TaskSpec noisy =
                copy(
                        multiclass(
                                31, new int[] {0, 2, 5, 9}, new double[] {0.25, 0.25, 0.25, 0.25}),
                        0.3,
                        1.0,
                        0.0,
                        0.0,
                        0.0,
                        false);
        TaskSpec clean = copy(noisy, 0.0, 1.0, 0.0, 0.0, 0.0, false);

        TaskData n = materialise(noisy);
        TaskData c = materialise(clean);

        assertThat(n.trainIndices()).containsExactly(c.trainIndices());
        int flipped = 0;
        for (int i = 0; i < n.trainY().length; i++) {
            assertThat(n.trainY()[i]).isBetween(0, 3);
            if (n.trainY()[i] != c.trainY()[i]) {
                flipped++;
            }
        }
        // 1000 Bernoulli(0.3) draws: standard deviation about 0.0145.
        assertThat(flipped / 1000.0).isCloseTo(0.3, within(0.06));
        assertThat(n.valY()).containsExactly(c.valY());
        assertThat(n.testY()).containsExactly(c.testY());
        assertSameFloats(n.trainX(), c.trainX());
    }

    @Test
    void trainValidationAndTestNeverShareASourceImage() {
        for (String stream : TaskSampler.STREAMS) {
            for (int i = 0; i < 12; i++) {
                TaskSpec s = sampler.sample(stream, 2, i);

                TaskData d = materialise(withoutShift(s));

                Set<Integer> train = asSet(d.trainIndices());
                Set<Integer> val = asSet(d.valIndices());
                assertThat(train).as(s.id()).hasSize(s.trainSize());
                assertThat(val).as(s.id()).hasSize(s.valSize());
                assertThat(outside(d.valIndices(), train)).as(s.id()).hasSize(s.valSize());
                assertThat(asSet(d.testIndices())).hasSize(s.testSize());
                assertAllIn(d.testIndices(), 0, ds.testCount());
            }
        }
    }

    /** The values of {@code a} that are not in {@code set}, in order. */
    private static List<Integer> outside(int[] a, Set<Integer> set) {
        List<Integer> out = new ArrayList<>();
        for (int v : a) {
            if (!set.contains(v)) {
                out.add(v);
            }
        }
        return out;
    }

    private static Set<Integer> asSet(int[] a) {
        Set<Integer> out = new HashSet<>();
        for (int v : a) {
            out.add(v);
        }
        return out;
    }

    @Test
    void metaTestTasksUseOnlyTheLastPartOfThePoolAndOthersOnlyTheFirst() {
        int split = (int) Math.round(pool.length * (1.0 - META_TEST_FRACTION));
        Set<Integer> metaTestPart = asSet(Arrays.copyOfRange(pool, split, pool.length));
        Set<Integer> otherPart = asSet(Arrays.copyOfRange(pool, 0, split));
        assertThat(metaTestPart).hasSize(9000);

        for (String stream : TaskSampler.STREAMS) {
            for (int i = 0; i < 8; i++) {
                TaskSpec s = sampler.sample(stream, 3, i);
                Set<Integer> allowed = s.metaTestPool() ? metaTestPart : otherPart;

                TaskData d = materialise(withoutShift(s));

                assertThat(outside(d.trainIndices(), allowed)).as(s.id()).isEmpty();
                assertThat(outside(d.valIndices(), allowed)).as(s.id()).isEmpty();
            }
        }
    }

    @Test
    void metaTestSpecsOfBothKindsStayInTheMetaTestPart() {
        TaskSpec binary = copy(oneVsRest(41, 2, 0.05), 0.0, 1.0, 0.0, 0.0, 0.0, true);
        TaskSpec multi =
                copy(
                        multiclass(42, new int[] {3, 6}, new double[] {0.5, 0.5}),
                        0.0,
                        1.0,
                        0.0,
                        0.0,
                        0.0,
                        true);
        int firstMetaTest = pool[(int) Math.round(pool.length * (1.0 - META_TEST_FRACTION))];

        for (TaskSpec s : List.of(binary, multi)) {
            TaskData d = materialise(s);

            assertAllIn(d.trainIndices(), firstMetaTest, ds.trainCount());
            assertAllIn(d.valIndices(), firstMetaTest, ds.trainCount());
        }
    }

    @Test
    void materialiseIsDeterministic() {
        TaskSpec s =
                copy(
                        multiclass(51, new int[] {0, 1, 2}, new double[] {0.5, 0.3, 0.2}),
                        0.2,
                        0.7,
                        0.1,
                        0.05,
                        12.5,
                        false);

        TaskData a = materialise(s);
        TaskData b = materialise(s);

        assertSameFloats(a.trainX(), b.trainX());
        assertSameFloats(a.valX(), b.valX());
        assertSameFloats(a.testX(), b.testX());
        assertThat(a.trainY()).containsExactly(b.trainY());
        assertThat(a.valY()).containsExactly(b.valY());
        assertThat(a.testY()).containsExactly(b.testY());
    }

    @Test
    void differentTaskSeedsDrawDifferentExamples() {
        TaskData a = materialise(oneVsRest(61, 5, 0.05));
        TaskData b = materialise(oneVsRest(62, 5, 0.05));

        assertThat(a.trainIndices()).isNotEqualTo(b.trainIndices());
    }

    @Test
    void identityShiftOnlyStandardisesPixels() {
        TaskSpec s = oneVsRest(71, 1, 0.05);

        TaskData d = materialise(s);

        assertStandardised(d.trainX(), d.trainIndices(), ds.trainPixels());
        assertStandardised(d.valX(), d.valIndices(), ds.trainPixels());
        assertStandardised(d.testX(), d.testIndices(), ds.testPixels());
    }

    private static void assertStandardised(float[] x, int[] idx, byte[] pixels) {
        for (int i = 0; i < idx.length; i++) {
            for (int k = 0; k < P; k++) {
                double pixel = pixels[idx[i] * P + k] & 0xff;
                double expected = (pixel / 255.0 - 0.2860) / 0.3530;
                if (Math.abs(x[i * P + k] - expected) > 1e-6) {
                    assertThat((double) x[i * P + k])
                            .as("example %d pixel %d", i, k)
                            .isCloseTo(expected, within(1e-6));
                }
            }
        }
    }

    @Test
    void contrastZeroGivesMidGreyPlusBrightness() {
        TaskSpec s = copy(oneVsRest(81, 4, 0.05), 0.0, 0.0, 0.1, 0.0, 0.0, false);

        TaskData d = materialise(s);

        double expected = (0.6 - 0.2860) / 0.3530;
        assertThat(maxAbsDeviation(d.valX(), expected)).isLessThan(1e-6);
    }

    @Test
    void pixelsAreClippedToTheUnitIntervalBeforeStandardising() {
        TaskSpec s = copy(oneVsRest(82, 4, 0.05), 0.0, 3.0, 0.9, 0.3, 0.0, false);

        TaskData d = materialise(s);

        double lo = (0.0 - 0.2860) / 0.3530 - 1e-6;
        double hi = (1.0 - 0.2860) / 0.3530 + 1e-6;
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : d.trainX()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertThat((double) min).isGreaterThanOrEqualTo(lo);
        assertThat((double) max).isLessThanOrEqualTo(hi);
        // Contrast 3 and brightness 0.9 push most pixels to white: the clip is exercised.
        assertThat((double) max).isGreaterThan(hi - 2e-6);
    }

    @Test
    void pixelNoiseHasTheRequestedStandardDeviation() {
        TaskSpec clean = copy(oneVsRest(83, 6, 0.05), 0.0, 0.5, 0.0, 0.0, 0.0, false);
        TaskSpec noisy = copy(clean, 0.0, 0.5, 0.0, 0.05, 0.0, false);

        float[] a = materialise(clean).valX();
        float[] b = materialise(noisy).valX();

        // Contrast 0.5 keeps clean pixels in [0.25, 0.75], so the noise is rarely clipped.
        double sumSq = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = (b[i] - a[i]) * 0.3530;
            sumSq += diff * diff;
        }
        assertThat(Math.sqrt(sumSq / a.length)).isCloseTo(0.05, within(0.002));
    }

    @Test
    void rotationByNinetyDegreesMovesEachPixelToItsRotatedPlace() {
        float[] src = new float[P];
        float[] dst = new float[P];
        // A pixel at row 2, column 5 and another at row 20, column 9.
        src[2 * 28 + 5] = 1f;
        src[20 * 28 + 9] = 0.5f;

        rotate(src, dst, Math.toRadians(90));

        // Positive angles turn the image clockwise as displayed (rows grow downwards):
        // (row r, column c) goes to (row c, column 27 - r).
        float[] expected = new float[P];
        expected[5 * 28 + (27 - 2)] = 1f;
        expected[9 * 28 + (27 - 20)] = 0.5f;
        for (int k = 0; k < P; k++) {
            assertThat(dst[k]).as("pixel %d", k).isCloseTo(expected[k], within(1e-6f));
        }
    }

    @Test
    void fourQuarterTurnsAndOppositeAnglesRestoreTheImage() {
        float[] img = new float[P];
        byte[] pixels = ds.trainPixels();
        for (int k = 0; k < P; k++) {
            img[k] = (pixels[k] & 0xff) / 255f;
        }
        float[] a = img.clone();
        float[] b = new float[P];
        for (int turn = 0; turn < 4; turn++) {
            rotate(a, b, Math.PI / 2);
            float[] t = a;
            a = b;
            b = t;
        }
        for (int k = 0; k < P; k++) {
            assertThat(a[k]).isCloseTo(img[k], within(1e-5f));
        }

        float[] once = new float[P];
        rotate(img, once, Math.PI / 2);
        assertThat(once).isNotEqualTo(img);
        float[] back = new float[P];
        rotate(once, back, -Math.PI / 2);
        for (int k = 0; k < P; k++) {
            assertThat(back[k]).isCloseTo(img[k], within(1e-5f));
        }
    }

    @Test
    void precomputedRotationIsBitIdenticalToTheStraightforwardOne() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
        byte[] pixels = ds.trainPixels();
        for (double deg : new double[] {-180, -37.5, -12, -0.3, 0.7, 9, 15, 30, 90, 179.9}) {
            double angle = Math.toRadians(deg);
            TaskData.Shift.Rotation rotation = new TaskData.Shift.Rotation(angle);
            for (int image = 0; image < 20; image++) {
                float[] img = new float[P + 1];
                int base = rng.nextInt(1000) * P;
                for (int k = 0; k < P; k++) {
                    img[k] = (pixels[base + k] & 0xff) / 255f;
                }
                float[] expected = new float[P];
                float[] actual = new float[P];
                referenceRotate(java.util.Arrays.copyOf(img, P), expected, angle);
                rotation.apply(img, actual);
                assertThat(actual).as("%s degrees, image %d", deg, image).containsExactly(expected);
            }
        }
    }

    @Test
    void rotationByZeroIsTheIdentity() {
        float[] img = new float[P];
        for (int k = 0; k < P; k++) {
            img[k] = (k % 37) / 37f;
        }
        float[] out = new float[P];

        rotate(img, out, 0.0);

        assertThat(out).containsExactly(img);
    }

    @Test
    void rotatedTasksDifferFromUnrotatedOnes() {
        TaskSpec straight = oneVsRest(91, 9, 0.05);
        TaskSpec turned = copy(straight, 0.0, 1.0, 0.0, 0.0, 20.0, false);

        TaskData a = materialise(straight);
        TaskData b = materialise(turned);

        assertThat(b.trainIndices()).containsExactly(a.trainIndices());
        assertThat(b.trainX()).isNotEqualTo(a.trainX());
    }

    /** The production rotation on an unpadded image. */
    private static void rotate(float[] src, float[] dst, double angle) {
        new TaskData.Shift.Rotation(angle).apply(java.util.Arrays.copyOf(src, P + 1), dst);
    }

    /** The straightforward bilinear rotation, pixel by pixel: the reference for Rotation. */
    private static void referenceRotate(float[] src, float[] dst, double angle) {
        int n = 28;
        double c = Math.cos(angle);
        double s = Math.sin(angle);
        double mid = (n - 1) / 2.0;
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                double dx = x - mid;
                double dy = y - mid;
                double sx = c * dx + s * dy + mid;
                double sy = -s * dx + c * dy + mid;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double fx = sx - x0;
                double fy = sy - y0;
                double v =
                        (1 - fx) * (1 - fy) * at(src, x0, y0)
                                + fx * (1 - fy) * at(src, x0 + 1, y0)
                                + (1 - fx) * fy * at(src, x0, y0 + 1)
                                + fx * fy * at(src, x0 + 1, y0 + 1);
                dst[y * n + x] = (float) v;
            }
        }
    }

    private static double at(float[] img, int x, int y) {
        return x < 0 || y < 0 || x >= 28 || y >= 28 ? 0.0 : img[y * 28 + x];
    }
}
