package org.metricopt.common.metrics;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The model outputs and true labels of one evaluation set: the whole input of a {@link Metric}.
 *
 * <p>{@code scores} is row-major, {@code size() × numClasses}. A binary task uses {@code numClasses
 * == 1}: {@code scores[i]} is the score of the positive class, a log-odds (higher means more
 * positive, {@code > 0} means predicted positive), and labels are 0 or 1. A multi-class task uses
 * {@code numClasses = C >= 2} columns of logits, and labels lie in {@code [0, C)}. Arrays cross
 * process boundaries as plain {@code float[]}/{@code int[]}, so this record is what an executor
 * ships back to the driver.
 *
 * <p>The arrays are not copied, for speed on large evaluation sets: callers must not change them
 * after construction, and metrics must not change them either. Equality compares array contents.
 *
 * @param scores row-major scores, {@code size() * numClasses} of them
 * @param numClasses 1 for a binary task, otherwise the number of classes (at least 2)
 * @param labels one true label per example
 */
public record Predictions(float[] scores, int numClasses, int[] labels) implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Validates shapes and label ranges once, so every metric can rely on them. */
    public Predictions {
        if (scores == null) {
            throw new IllegalArgumentException("scores must not be null");
        }
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException(
                    "numClasses = "
                            + numClasses
                            + " is not allowed; use 1 for a binary task or the number of classes"
                            + " (at least 2) for a multi-class task");
        }
        if (labels.length == 0) {
            throw new IllegalArgumentException(
                    "predictions need at least one example, but labels is empty");
        }
        if ((long) labels.length * numClasses != scores.length) {
            throw new IllegalArgumentException(
                    "scores.length = "
                            + scores.length
                            + " does not match labels.length * numClasses = "
                            + labels.length
                            + " * "
                            + numClasses
                            + " = "
                            + (long) labels.length * numClasses);
        }
        int maxLabel = numClasses == 1 ? 1 : numClasses - 1;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > maxLabel) {
                throw new IllegalArgumentException(
                        "labels["
                                + i
                                + "] = "
                                + labels[i]
                                + " is out of range; allowed: "
                                + (numClasses == 1
                                        ? "0 or 1 for a binary task (numClasses = 1)"
                                        : "0 to " + maxLabel + " for numClasses = " + numClasses));
            }
        }
    }

    /** The number of examples. */
    public int size() {
        return labels.length;
    }

    /**
     * Whether this is a binary task ({@code numClasses == 1}, one positive-class score per row).
     */
    public boolean isBinary() {
        return numClasses == 1;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Predictions other)) {
            return false;
        }
        return numClasses == other.numClasses
                && Arrays.equals(labels, other.labels)
                && Arrays.equals(scores, other.scores);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * numClasses + Arrays.hashCode(labels)) + Arrays.hashCode(scores);
    }

    /** A short summary; the arrays themselves can be millions of entries long. */
    @Override
    public String toString() {
        return "Predictions[size=" + size() + ", numClasses=" + numClasses + "]";
    }
}
