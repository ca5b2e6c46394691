package org.metricopt.driver.bench;

import java.util.Arrays;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;

/**
 * The fixed data of the {@code inner-loop} benchmark: a ten-class cross-entropy task whose training
 * set is the first images of the Fashion-MNIST training file in file order, standardised with
 * {@link TaskData}'s constants (in float arithmetic; TaskData computes in double, so a value can
 * differ in its last bit, which does not matter for timing). The PyTorch reference script
 * (deploy/bench/pytorch_inner_loop.py) reads the same images in the same order.
 *
 * <p>{@link TaskData#materialise} draws a task's examples per class in a keyed random order, so it
 * cannot give "the first 10,000 images in order"; the data is built with {@link TaskData#of}.
 */
final class BenchData {
    /** The ten Fashion-MNIST classes; task label j is class j. */
    private static final int[] ALL_CLASSES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};

    private BenchData() {}

    /**
     * The first {@code count} images of {@code pixels} (row-major, unsigned bytes), each pixel
     * standardised to {@code (p / 255 - mean) / std}.
     */
    static float[] standardised(byte[] pixels, int count) {
        int n = count * FashionMnist.PIXELS;
        if (n > pixels.length) {
            throw new IllegalArgumentException(
                    "asked for "
                            + count
                            + " images but the file holds only "
                            + pixels.length / FashionMnist.PIXELS);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            float v = (pixels[i] & 0xff) / 255f;
            out[i] = (v - TaskData.PIXEL_MEAN) / TaskData.PIXEL_STD;
        }
        return out;
    }

    /** The first {@code count} labels as task labels (identical to the class for ten classes). */
    static int[] labels(byte[] labels, int count) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = labels[i];
        }
        return out;
    }

    /**
     * The benchmark task: ten classes, cross-entropy, SGD with the given learning rate and no
     * momentum, batch {@code batch}, {@code trainSize} training examples; the other fields are
     * inert (no shift, no noise, no observations).
     */
    static TaskSpec spec(int trainSize, int evalSize, int batch, int steps, double learningRate) {
        double[] weights = new double[ALL_CLASSES.length];
        Arrays.fill(weights, 1.0 / ALL_CLASSES.length);
        return TaskSpec.builder().stream(TaskSampler.FINETUNE)
                .iteration(0)
                .index(0)
                .seed(0L)
                .family("bench")
                .kind("multiclass")
                .metric("misclassification")
                .loss("ce")
                .classes(ALL_CLASSES.clone())
                .positiveFraction(0.0)
                .minEvalPositives(0)
                .labelNoise(0.0)
                .classWeights(weights)
                .contrast(1.0)
                .brightness(0.0)
                .noiseStd(0.0)
                .rotationDeg(0.0)
                .trainSize(trainSize)
                .valSize(evalSize)
                .testSize(evalSize)
                .metaTestPool(false)
                .steps(steps)
                .observationSteps(new int[0])
                .batchSize(batch)
                .optimizer("sgd")
                .learningRate(learningRate)
                .momentum(0.0)
                .phiInitStd(0.0)
                .probePairs(0)
                .probeRadius(0.0)
                .build();
    }

    /**
     * A TaskData over the first {@code trainSize} training images in file order; validation and
     * test hold the first {@code evalSize} t10k images (the timed loop never reads them).
     */
    static TaskData taskData(FashionMnist ds, int trainSize, int evalSize) {
        float[] trainX = standardised(ds.trainPixels(), trainSize);
        int[] trainY = labels(ds.trainLabels(), trainSize);
        float[] evalX = standardised(ds.testPixels(), evalSize);
        int[] evalY = labels(ds.testLabels(), evalSize);
        return TaskData.of(trainX, trainY, evalX, evalY, evalX.clone(), evalY.clone());
    }
}
