package org.metricopt.common.data;

import java.util.Objects;
import java.util.stream.IntStream;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * Computes the {@link Split}s of a {@link FashionMnist}: {@link Split#PRETRAIN} is training images
 * {@code [0, pretrainCount)} and pre-trains θ, {@link Split#TASK_POOL} is training images {@code
 * [pretrainCount, trainCount)} from which each task's train and validation examples are drawn, and
 * {@link Split#TEST} is every t10k image, the only source of reported numbers.
 *
 * <p>The split is a fixed prefix rather than a random one so that it is the same on every node and
 * in every run without shipping indices around. The official training file is already in random
 * class order, so the default prefix of 30000 is nearly balanced (2945 to 3081 images per class).
 * Instances are immutable.
 */
public final class DataSplits {
    /** The configuration key of {@link #pretrainCount()}. */
    public static final String PRETRAIN_COUNT_KEY = "data.pretrain-count";

    /** The default number of pre-training images: half of the 60000 official training images. */
    public static final int DEFAULT_PRETRAIN_COUNT = 30_000;

    private final FashionMnist data;
    private final int pretrainCount;

    private DataSplits(FashionMnist data, int pretrainCount) {
        this.data = data;
        this.pretrainCount = pretrainCount;
    }

    /**
     * The default pre-training count for a training set of {@code trainCount} images: {@link
     * #DEFAULT_PRETRAIN_COUNT}, clipped to {@code trainCount / 2} so that small (test) datasets
     * still leave a task pool.
     */
    public static int defaultPretrainCount(int trainCount) {
        return Math.min(DEFAULT_PRETRAIN_COUNT, trainCount / 2);
    }

    /** The splits with the {@linkplain #defaultPretrainCount(int) default} pre-training count. */
    public static DataSplits of(FashionMnist data) {
        return of(data, defaultPretrainCount(data.trainCount()));
    }

    /**
     * The splits with the first {@code pretrainCount} training images for pre-training.
     *
     * @throws MetricOptException {@link ErrorClass#INVALID_CONFIG} unless {@code 0 < pretrainCount
     *     < trainCount}, so that neither PRETRAIN nor TASK_POOL is empty
     */
    public static DataSplits of(FashionMnist data, int pretrainCount) {
        Objects.requireNonNull(data, "data");
        if (pretrainCount <= 0 || pretrainCount >= data.trainCount()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_CONFIG,
                    PRETRAIN_COUNT_KEY
                            + " = "
                            + pretrainCount
                            + " is out of range; it must lie in (0, "
                            + data.trainCount()
                            + "), the number of training images, so that neither PRETRAIN nor"
                            + " TASK_POOL is empty");
        }
        return new DataSplits(data, pretrainCount);
    }

    /** The dataset split. */
    public FashionMnist data() {
        return data;
    }

    /** The number of training images in {@link Split#PRETRAIN}. */
    public int pretrainCount() {
        return pretrainCount;
    }

    /** The number of images in {@code split}. */
    public int size(Split split) {
        return switch (split) {
            case PRETRAIN -> pretrainCount;
            case TASK_POOL -> data.trainCount() - pretrainCount;
            case TEST -> data.testCount();
        };
    }

    /**
     * The indices of the images in {@code split}, ascending, into {@link #pixels(Split)} (in units
     * of {@link FashionMnist#PIXELS}) and {@link #labels(Split)}. A fresh array on every call.
     */
    public int[] indices(Split split) {
        int start = split == Split.TASK_POOL ? pretrainCount : 0;
        return IntStream.range(start, start + size(split)).toArray();
    }

    /** The pixel array that the indices of {@code split} refer to. Not copied: do not modify. */
    public byte[] pixels(Split split) {
        return split.fromTrainFiles() ? data.trainPixels() : data.testPixels();
    }

    /** The label array that the indices of {@code split} refer to. Not copied: do not modify. */
    public byte[] labels(Split split) {
        return split.fromTrainFiles() ? data.trainLabels() : data.testLabels();
    }

    @Override
    public String toString() {
        return "DataSplits[pretrain="
                + size(Split.PRETRAIN)
                + ", taskPool="
                + size(Split.TASK_POOL)
                + ", test="
                + size(Split.TEST)
                + "]";
    }
}
