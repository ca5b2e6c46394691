package org.metricopt.common.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * The contents of an IDX image file ({@code idx3-ubyte}): {@code count} greyscale images of {@code
 * rows}×{@code cols} unsigned bytes, stored row-major and image after image, exactly as in the file
 * (LeCun et al., "The MNIST database"; Xiao et al., "Fashion-MNIST", 2017).
 *
 * <p>Pixel {@code (r, c)} of image {@code i} is {@code pixels[(i * rows + r) * cols + c] & 0xff}.
 * The array is shared, not copied: callers must not modify it.
 *
 * @param count the number of images
 * @param rows the height of each image in pixels
 * @param cols the width of each image in pixels
 * @param pixels {@code count * rows * cols} unsigned bytes; not copied and must not be modified
 */
public record IdxImages(int count, int rows, int cols, byte[] pixels) {

    /** Checks that the dimensions are non-negative and match the length of {@code pixels}. */
    public IdxImages {
        Objects.requireNonNull(pixels, "pixels");
        if (count < 0 || rows < 0 || cols < 0) {
            throw new IllegalArgumentException(
                    "image dimensions must be non-negative, got "
                            + count
                            + " images of "
                            + rows
                            + "x"
                            + cols);
        }
        long expected = (long) count * rows * cols;
        if (expected != pixels.length) {
            throw new IllegalArgumentException(
                    count
                            + " images of "
                            + rows
                            + "x"
                            + cols
                            + " need "
                            + expected
                            + " pixels, but "
                            + pixels.length
                            + " were given");
        }
    }

    /** The number of pixels in one image, {@code rows * cols}. */
    public int imageSize() {
        return rows * cols;
    }

    /** Pixel {@code (row, col)} of image {@code image} as an unsigned value in [0, 255]. */
    public int pixel(int image, int row, int col) {
        Objects.checkIndex(image, count);
        Objects.checkIndex(row, rows);
        Objects.checkIndex(col, cols);
        return pixels[(image * rows + row) * cols + col] & 0xff;
    }

    /** Equal when the dimensions and every pixel are equal (records compare arrays by identity). */
    @Override
    public boolean equals(Object other) {
        return other instanceof IdxImages that
                && count == that.count
                && rows == that.rows
                && cols == that.cols
                && Arrays.equals(pixels, that.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * Objects.hash(count, rows, cols) + Arrays.hashCode(pixels);
    }

    /** The dimensions only; the pixels would not fit on a line. */
    @Override
    public String toString() {
        return "IdxImages[count=" + count + ", rows=" + rows + ", cols=" + cols + "]";
    }
}
