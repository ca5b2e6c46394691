package org.metricopt.common.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes synthetic IDX files for tests: well-formed ones from given contents, and the raw bytes
 * from which tests build malformed ones.
 */
public final class IdxTestFiles {
    private IdxTestFiles() {}

    /** The bytes of an IDX image file (magic {@code 0x00000803}). */
    public static byte[] imageBytes(IdxImages images) {
        return idx(
                0x0803, new int[] {images.count(), images.rows(), images.cols()}, images.pixels());
    }

    /** The bytes of an IDX label file (magic {@code 0x00000801}). */
    public static byte[] labelBytes(IdxLabels labels) {
        return idx(0x0801, new int[] {labels.count()}, labels.labels());
    }

    /** A header with the given magic and sizes, followed by {@code payload} as is. */
    public static byte[] idx(int magic, int[] sizes, byte[] payload) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * sizes.length + payload.length);
        buffer.putInt(magic);
        for (int size : sizes) {
            buffer.putInt(size);
        }
        buffer.put(payload);
        return buffer.array();
    }

    /** {@code bytes} gzip-compressed. */
    public static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Random images, each pixel uniform in [0, 255]. */
    public static IdxImages randomImages(SplittableRandom random, int count, int rows, int cols) {
        byte[] pixels = new byte[count * rows * cols];
        random.nextBytes(pixels);
        return new IdxImages(count, rows, cols, pixels);
    }

    /** Random labels uniform in [0, {@code classes}). */
    public static IdxLabels randomLabels(SplittableRandom random, int count, int classes) {
        byte[] labels = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = (byte) random.nextInt(classes);
        }
        return new IdxLabels(labels);
    }

    /** Writes {@code bytes} to {@code dir/name}, gzipped if asked, and returns the file. */
    public static Path write(Path dir, String name, byte[] bytes, boolean gzipped) {
        Path file = dir.resolve(name);
        try {
            Files.write(file, gzipped ? gzip(bytes) : bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Writes an image file to {@code dir/name}, gzipped if asked, and returns it. */
    public static Path writeImages(Path dir, String name, IdxImages images, boolean gzipped) {
        return write(dir, name, imageBytes(images), gzipped);
    }

    /** Writes a label file to {@code dir/name}, gzipped if asked, and returns it. */
    public static Path writeLabels(Path dir, String name, IdxLabels labels, boolean gzipped) {
        return write(dir, name, labelBytes(labels), gzipped);
    }

    /**
     * Writes a synthetic Fashion-MNIST of random 28×28 images and labels under the official file
     * names into {@code dir}, gzipped (with the {@code .gz} suffix) if asked.
     */
    public static void writeFashionMnist(
            Path dir, int trainCount, int testCount, boolean gzipped, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        String suffix = gzipped ? ".gz" : "";
        writeImages(
                dir,
                FashionMnist.TRAIN_IMAGES + suffix,
                randomImages(random, trainCount, 28, 28),
                gzipped);
        writeLabels(
                dir,
                FashionMnist.TRAIN_LABELS + suffix,
                randomLabels(random, trainCount, 10),
                gzipped);
        writeImages(
                dir,
                FashionMnist.TEST_IMAGES + suffix,
                randomImages(random, testCount, 28, 28),
                gzipped);
        writeLabels(
                dir,
                FashionMnist.TEST_LABELS + suffix,
                randomLabels(random, testCount, 10),
                gzipped);
    }
}
