package org.metricopt.common.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.rng.Keys;

/**
 * The examples of one task, materialised from its {@link TaskSpec}: standardised inputs after the
 * task's input shift, training labels (with the task's label noise) and clean validation and test
 * labels. Training and validation examples come from the task pool (the meta-test part for
 * meta-test tasks) and never overlap; test examples come from the held-out t10k split.
 *
 * <p>Labels are task labels: {0, 1} for one-vs-rest tasks, positions in {@link TaskSpec#classes}
 * for multiclass tasks.
 */
public final class TaskData {
    /** Fashion-MNIST pixel mean and standard deviation (of [0,1] pixels), for standardising. */
    public static final float PIXEL_MEAN = 0.2860f;

    public static final float PIXEL_STD = 0.3530f;

    private final float[] trainX;
    private final int[] trainY;
    private final float[] valX;
    private final int[] valY;
    private final float[] testX;
    private final int[] testY;
    private final int[][] sourceIndices;

    private TaskData(
            float[] trainX,
            int[] trainY,
            float[] valX,
            int[] valY,
            float[] testX,
            int[] testY,
            int[][] sourceIndices) {
        this.trainX = trainX;
        this.trainY = trainY;
        this.valX = valX;
        this.valY = valY;
        this.testX = testX;
        this.testY = testY;
        this.sourceIndices = sourceIndices;
    }

    /**
     * The bytes the arrays hold (what keeping this task's data costs). The arrays are shared, never
     * copied: no caller may write into them, since {@link TaskDataCache} hands the same instance to
     * every later unroll of the task.
     */
    public long bytes() {
        long n =
                4L
                        * ((long) trainX.length
                                + trainY.length
                                + valX.length
                                + valY.length
                                + testX.length
                                + testY.length);
        for (int[] s : sourceIndices) {
            n += 4L * s.length;
        }
        return n;
    }

    public float[] trainX() {
        return trainX;
    }

    public int[] trainY() {
        return trainY;
    }

    public float[] valX() {
        return valX;
    }

    public int[] valY() {
        return valY;
    }

    public float[] testX() {
        return testX;
    }

    public int[] testY() {
        return testY;
    }

    /**
     * The dataset image behind each example, in example order: training and validation examples
     * index the training images, test examples the t10k images. For tests of the data split.
     */
    int[] trainIndices() {
        return sourceIndices[0];
    }

    int[] valIndices() {
        return sourceIndices[1];
    }

    int[] testIndices() {
        return sourceIndices[2];
    }

    /**
     * Task data from examples already prepared (standardised pixels, task labels), for callers that
     * need a fixed data set rather than a task drawn from p(T), such as the inner-loop benchmark.
     * It has no source indices.
     */
    public static TaskData of(
            float[] trainX, int[] trainY, float[] valX, int[] valY, float[] testX, int[] testY) {
        int[] none = new int[0];
        return new TaskData(
                trainX, trainY, valX, valY, testX, testY, new int[][] {none, none, none});
    }

    /**
     * Builds a task's data.
     *
     * @param poolIndices the task-pool indices into the training images (DataSplits TASK_POOL)
     * @param metaTestPoolFraction the fraction of the pool reserved for meta-test tasks
     */
    public static TaskData materialise(
            TaskSpec spec, FashionMnist ds, int[] poolIndices, double metaTestPoolFraction) {
        int split = (int) Math.round(poolIndices.length * (1.0 - metaTestPoolFraction));
        int from = spec.metaTestPool() ? split : 0;
        int to = spec.metaTestPool() ? poolIndices.length : split;
        List<List<Integer>> poolByClass = byClass(ds.trainLabels(), poolIndices, from, to);
        int[] testIdx = new int[ds.testCount()];
        for (int i = 0; i < testIdx.length; i++) {
            testIdx[i] = i;
        }
        List<List<Integer>> testByClass = byClass(ds.testLabels(), testIdx, 0, testIdx.length);

        SplittableRandom rng = Keys.rng(spec.seed(), "data");
        List<int[]> poolPerm = permuteEach(rng, poolByClass);
        List<int[]> testPerm = permuteEach(rng, testByClass);

        int[][] train;
        int[][] val;
        int[][] test;
        if (spec.isBinary()) {
            int c = spec.classes()[0];
            int nPos =
                    clamp(
                            (int) Math.round(spec.positiveFraction() * spec.trainSize()),
                            1,
                            spec.trainSize() - 1);
            // Evaluation sets keep their size and at least one negative, like the training set.
            int nPosVal =
                    clamp(
                            Math.max(
                                    spec.minEvalPositives(),
                                    (int) Math.round(spec.positiveFraction() * spec.valSize())),
                            1,
                            spec.valSize() - 1);
            int nPosTest =
                    clamp(
                            Math.max(
                                    spec.minEvalPositives(),
                                    (int) Math.round(spec.positiveFraction() * spec.testSize())),
                            1,
                            spec.testSize() - 1);
            int[] cursor = new int[10];
            train = drawBinary(rng, poolPerm, cursor, c, nPos, spec.trainSize() - nPos);
            val = drawBinary(rng, poolPerm, cursor, c, nPosVal, spec.valSize() - nPosVal);
            int[] testCursor = new int[10];
            test = drawBinary(rng, testPerm, testCursor, c, nPosTest, spec.testSize() - nPosTest);
        } else {
            int[] cursor = new int[10];
            int[] classes = spec.classes();
            double[] uniform = new double[classes.length];
            java.util.Arrays.fill(uniform, 1.0 / classes.length);
            int[] valCounts = counts(uniform, spec.valSize());
            int[] capacity = new int[classes.length];
            for (int j = 0; j < classes.length; j++) {
                capacity[j] = poolPerm.get(classes[j]).length - valCounts[j];
            }
            int[] trainCounts = capped(counts(spec.classWeights(), spec.trainSize()), capacity);
            train = drawMulticlass(poolPerm, cursor, classes, trainCounts);
            val = drawMulticlass(poolPerm, cursor, classes, valCounts);
            test = drawMulticlass(testPerm, new int[10], classes, counts(uniform, spec.testSize()));
            applyLabelNoise(
                    Keys.rng(spec.seed(), "label-noise"),
                    train[1],
                    classes.length,
                    spec.labelNoise());
        }
        Shift shift = new Shift(spec);
        return new TaskData(
                shift.apply(ds.trainPixels(), train[0], 0),
                train[1],
                shift.apply(ds.trainPixels(), val[0], 1),
                val[1],
                shift.apply(ds.testPixels(), test[0], 2),
                test[1],
                new int[][] {train[0], val[0], test[0]});
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static List<List<Integer>> byClass(byte[] labels, int[] indices, int from, int to) {
        List<List<Integer>> out = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            out.add(new ArrayList<>());
        }
        for (int i = from; i < to; i++) {
            int idx = indices[i];
            out.get(labels[idx]).add(idx);
        }
        return out;
    }

    private static List<int[]> permuteEach(SplittableRandom rng, List<List<Integer>> byClass) {
        List<int[]> out = new ArrayList<>();
        for (List<Integer> list : byClass) {
            int[] perm = Keys.sampleWithoutReplacement(rng, list.size(), list.size());
            int[] idx = new int[list.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = list.get(perm[i]);
            }
            out.add(idx);
        }
        return out;
    }

    private static int take(List<int[]> perm, int[] cursor, int c) {
        int[] list = perm.get(c);
        if (cursor[c] >= list.length) {
            throw new IllegalStateException(
                    "class "
                            + c
                            + " has only "
                            + list.length
                            + " examples in this part of the"
                            + " data; reduce tasks.train-size, tasks.val-size or tasks.test-size");
        }
        return list[cursor[c]++];
    }

    private static int[][] drawBinary(
            SplittableRandom rng, List<int[]> perm, int[] cursor, int c, int nPos, int nNeg) {
        int n = nPos + nNeg;
        int[] idx = new int[n];
        int[] y = new int[n];
        for (int i = 0; i < nPos; i++) {
            idx[i] = take(perm, cursor, c);
            y[i] = 1;
        }
        for (int i = 0; i < nNeg; i++) {
            int other = rng.nextInt(9);
            if (other >= c) {
                other++;
            }
            idx[nPos + i] = take(perm, cursor, other);
        }
        return shuffle(rng, idx, y);
    }

    private static int[][] drawMulticlass(
            List<int[]> perm, int[] cursor, int[] classes, int[] counts) {
        int n = 0;
        for (int k : counts) {
            n += k;
        }
        int[] idx = new int[n];
        int[] y = new int[n];
        int pos = 0;
        // Interleave classes so any prefix is roughly stratified.
        int[] left = counts.clone();
        boolean any = true;
        while (any) {
            any = false;
            for (int j = 0; j < classes.length; j++) {
                if (left[j] > 0) {
                    idx[pos] = take(perm, cursor, classes[j]);
                    y[pos] = j;
                    pos++;
                    left[j]--;
                    any = true;
                }
            }
        }
        return new int[][] {idx, y};
    }

    private static int[][] shuffle(SplittableRandom rng, int[] idx, int[] y) {
        int[] perm = Keys.sampleWithoutReplacement(rng, idx.length, idx.length);
        int[] i2 = new int[idx.length];
        int[] y2 = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            i2[i] = idx[perm[i]];
            y2[i] = y[perm[i]];
        }
        return new int[][] {i2, y2};
    }

    /**
     * Caps training counts at what each class has left after its validation examples, moving the
     * excess to the classes with room (most frequent first). A very imbalanced task over few
     * classes may otherwise ask for more images of its main class than the pool holds; it then
     * comes out a little less imbalanced instead of failing.
     */
    static int[] capped(int[] counts, int[] capacity) {
        int[] out = counts.clone();
        int excess = 0;
        for (int j = 0; j < out.length; j++) {
            if (out[j] > capacity[j]) {
                excess += out[j] - Math.max(0, capacity[j]);
                out[j] = Math.max(0, capacity[j]);
            }
        }
        while (excess > 0) {
            int best = -1;
            for (int j = 0; j < out.length; j++) {
                if (out[j] < capacity[j] && (best < 0 || out[j] > out[best])) {
                    best = j;
                }
            }
            if (best < 0) {
                throw new IllegalStateException(
                        "the task pool has too few images for this task; reduce tasks.train-size"
                                + " or tasks.val-size");
            }
            int add = Math.min(excess, capacity[best] - out[best]);
            out[best] += add;
            excess -= add;
        }
        return out;
    }

    /** Largest-remainder rounding of proportions to counts summing to n, at least 1 each. */
    static int[] counts(double[] weights, int n) {
        int c = weights.length;
        int[] out = new int[c];
        double[] rem = new double[c];
        int used = 0;
        for (int j = 0; j < c; j++) {
            double exact = weights[j] * n;
            out[j] = Math.max(1, (int) Math.floor(exact));
            rem[j] = exact - Math.floor(exact);
            used += out[j];
        }
        while (used < n) {
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (rem[j] > rem[best]) {
                    best = j;
                }
            }
            out[best]++;
            rem[best] = -1;
            used++;
        }
        while (used > n) {
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (out[j] > out[best]) {
                    best = j;
                }
            }
            out[best]--;
            used--;
        }
        return out;
    }

    private static void applyLabelNoise(SplittableRandom rng, int[] y, int c, double p) {
        if (p <= 0) {
            return;
        }
        for (int i = 0; i < y.length; i++) {
            if (rng.nextDouble() < p) {
                int other = rng.nextInt(c - 1);
                y[i] = other >= y[i] ? other + 1 : other;
            }
        }
    }

    /**
     * The task's input shift: rotation, contrast, brightness and pixel noise, then standardising.
     */
    static final class Shift {
        private final TaskSpec spec;

        Shift(TaskSpec spec) {
            this.spec = spec;
        }

        float[] apply(byte[] pixels, int[] idx, int split) {
            int p = FashionMnist.PIXELS;
            float[] out = new float[idx.length * p];
            // One zero pixel past the image: where the rotation samples outside it.
            float[] img = new float[p + 1];
            float[] rot = new float[p];
            double angle = Math.toRadians(spec.rotationDeg());
            Rotation rotation = angle != 0 ? new Rotation(angle) : null;
            boolean noisy = spec.noiseStd() > 0;
            for (int i = 0; i < idx.length; i++) {
                int base = idx[i] * p;
                for (int k = 0; k < p; k++) {
                    img[k] = (pixels[base + k] & 0xff) / 255f;
                }
                float[] src = img;
                if (rotation != null) {
                    rotation.apply(img, rot);
                    src = rot;
                }
                SplittableRandom noise =
                        noisy ? Keys.rng(spec.seed(), "pixel-noise", split, i) : null;
                for (int k = 0; k < p; k++) {
                    double v = spec.contrast() * (src[k] - 0.5) + 0.5 + spec.brightness();
                    if (noisy) {
                        v += spec.noiseStd() * Keys.gaussian(noise);
                    }
                    v = Math.max(0.0, Math.min(1.0, v));
                    out[i * p + k] = (float) ((v - PIXEL_MEAN) / PIXEL_STD);
                }
            }
            return out;
        }

        /**
         * Bilinear rotation of a 28x28 image about its centre, outside pixels 0 (black), with its
         * sampling positions and weights computed once per angle instead of once per image: a task
         * rotates all its images by the same angle. TaskDataTest checks it bit for bit against the
         * straightforward per-pixel computation (a source pixel outside the image reads the zero at
         * index 784 instead of a literal 0.0; the same four terms are summed in order).
         */
        static final class Rotation {
            private static final int N = 28;
            private static final int OUTSIDE = N * N;
            private final int[] index = new int[4 * N * N];
            private final double[] weight = new double[4 * N * N];

            Rotation(double angle) {
                double c = Math.cos(angle);
                double s = Math.sin(angle);
                double mid = (N - 1) / 2.0;
                for (int y = 0; y < N; y++) {
                    for (int x = 0; x < N; x++) {
                        double dx = x - mid;
                        double dy = y - mid;
                        double sx = c * dx + s * dy + mid;
                        double sy = -s * dx + c * dy + mid;
                        int x0 = (int) Math.floor(sx);
                        int y0 = (int) Math.floor(sy);
                        double fx = sx - x0;
                        double fy = sy - y0;
                        int k = 4 * (y * N + x);
                        set(k, x0, y0, (1 - fx) * (1 - fy));
                        set(k + 1, x0 + 1, y0, fx * (1 - fy));
                        set(k + 2, x0, y0 + 1, (1 - fx) * fy);
                        set(k + 3, x0 + 1, y0 + 1, fx * fy);
                    }
                }
            }

            private void set(int k, int x, int y, double w) {
                index[k] = x < 0 || y < 0 || x >= N || y >= N ? OUTSIDE : y * N + x;
                weight[k] = w;
            }

            /** Rotates {@code src} (784 pixels and a trailing 0) into {@code dst}. */
            void apply(float[] src, float[] dst) {
                for (int j = 0; j < N * N; j++) {
                    int k = 4 * j;
                    double v =
                            weight[k] * src[index[k]]
                                    + weight[k + 1] * src[index[k + 1]]
                                    + weight[k + 2] * src[index[k + 2]]
                                    + weight[k + 3] * src[index[k + 3]];
                    dst[j] = (float) v;
                }
            }
        }
    }
}
