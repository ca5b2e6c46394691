package org.metricopt.common.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * The contents of an IDX label file ({@code idx1-ubyte}): one unsigned byte per example, in the
 * order of the matching image file.
 *
 * @param labels one unsigned byte per example; not copied and must not be modified
 */
public record IdxLabels(byte[] labels) {

    /** Checks that {@code labels} is present. */
    public IdxLabels {
        Objects.requireNonNull(labels, "labels");
    }

    /** The number of labels. */
    public int count() {
        return labels.length;
    }

    /** Label {@code index} as an unsigned value in [0, 255]. */
    public int label(int index) {
        return labels[index] & 0xff;
    }

    /** Equal when every label is equal (records compare arrays by identity). */
    @Override
    public boolean equals(Object other) {
        return other instanceof IdxLabels that && Arrays.equals(labels, that.labels);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(labels);
    }

    /** The count only; the labels would not fit on a line. */
    @Override
    public String toString() {
        return "IdxLabels[count=" + labels.length + "]";
    }
}
