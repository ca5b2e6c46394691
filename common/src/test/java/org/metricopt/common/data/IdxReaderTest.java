package org.metricopt.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

class IdxReaderTest {
    private static final Configuration CONF = new Configuration();

    @TempDir Path dir;

    @ParameterizedTest(name = "gzipped={0}")
    @ValueSource(booleans = {false, true})
    void roundTripsImagesAndLabels(boolean gzipped) {
        SplittableRandom random = new SplittableRandom(1);
        IdxImages images = IdxTestFiles.randomImages(random, 7, 5, 3);
        IdxLabels labels = IdxTestFiles.randomLabels(random, 7, 10);
        Path imageFile = IdxTestFiles.writeImages(dir, "images", images, gzipped);
        Path labelFile = IdxTestFiles.writeLabels(dir, "labels", labels, gzipped);

        IdxImages read = IdxReader.readImages(CONF, imageFile.toString());

        assertThat(read).isEqualTo(images);
        assertThat(read.pixel(6, 4, 2)).isEqualTo(images.pixels()[6 * 15 + 4 * 3 + 2] & 0xff);
        assertThat(IdxReader.readLabels(CONF, labelFile.toString())).isEqualTo(labels);
    }

    @ParameterizedTest(name = "gzipped={0}")
    @ValueSource(booleans = {false, true})
    void readsFileUrisAndStreams(boolean gzipped) throws IOException {
        IdxImages images = IdxTestFiles.randomImages(new SplittableRandom(2), 3, 4, 4);
        Path file = IdxTestFiles.writeImages(dir, "images", images, gzipped);

        assertThat(IdxReader.readImages(CONF, file.toUri().toString())).isEqualTo(images);
        assertThat(IdxReader.readImages(CONF, "file://" + file)).isEqualTo(images);
        try (InputStream in = Files.newInputStream(file)) {
            assertThat(IdxReader.readImages(in, "stream")).isEqualTo(images);
        }
    }

    @Test
    void readsRelativePathsAgainstTheWorkingDirectory() throws IOException {
        IdxLabels labels = IdxTestFiles.randomLabels(new SplittableRandom(3), 5, 10);
        Path file = IdxTestFiles.writeLabels(dir, "labels", labels, false);
        String relative = Path.of("").toAbsolutePath().relativize(file).toString();

        assertThat(IdxReader.readLabels(CONF, relative)).isEqualTo(labels);
    }

    @Test
    void detectsGzipByContentNotByName() {
        IdxLabels labels = IdxTestFiles.randomLabels(new SplittableRandom(4), 9, 10);
        Path gzippedWithoutSuffix = IdxTestFiles.writeLabels(dir, "labels", labels, true);
        Path plainWithSuffix = IdxTestFiles.writeLabels(dir, "labels.gz", labels, false);

        assertThat(IdxReader.readLabels(CONF, gzippedWithoutSuffix.toString())).isEqualTo(labels);
        assertThat(IdxReader.readLabels(CONF, plainWithSuffix.toString())).isEqualTo(labels);
    }

    @Test
    void acceptsEmptyDatasets() {
        Path file =
                IdxTestFiles.writeImages(
                        dir, "images", new IdxImages(0, 28, 28, new byte[0]), true);

        assertThat(IdxReader.readImages(CONF, file.toString()).count()).isZero();
    }

    @Test
    void doesNotCloseTheCallersStream() throws IOException {
        byte[] bytes =
                IdxTestFiles.gzip(IdxTestFiles.labelBytes(new IdxLabels(new byte[] {1, 2, 3})));
        boolean[] closed = {false};
        InputStream in =
                new ByteArrayInputStream(bytes) {
                    @Override
                    public void close() {
                        closed[0] = true;
                    }
                };

        assertThat(IdxReader.readLabels(in, "stream").labels()).containsExactly(1, 2, 3);
        assertThat(closed[0]).isFalse();
    }

    @ParameterizedTest(name = "gzipped={0}")
    @ValueSource(booleans = {false, true})
    void rejectsTruncatedPixels(boolean gzipped) {
        byte[] whole = IdxTestFiles.imageBytes(new IdxImages(3, 28, 28, new byte[3 * 784]));
        Path file = IdxTestFiles.write(dir, "images", Arrays.copyOf(whole, 16 + 1234), gzipped);

        assertInvalid(() -> IdxReader.readImages(CONF, file.toString()))
                .hasMessageContaining("file:" + file)
                .hasMessageContaining(
                        "is malformed: header says 3 images of 28x28 but only 1234 bytes of"
                                + " pixels follow");
    }

    @ParameterizedTest(name = "gzipped={0}")
    @ValueSource(booleans = {false, true})
    void rejectsATruncatedHeader(boolean gzipped) {
        byte[] whole = IdxTestFiles.imageBytes(new IdxImages(1, 2, 2, new byte[4]));
        Path file = IdxTestFiles.write(dir, "images", Arrays.copyOf(whole, 10), gzipped);

        assertInvalid(() -> IdxReader.readImages(CONF, file.toString()))
                .hasMessageContaining(
                        "it ends after 10 bytes, inside the 16-byte IDX images header");
    }

    @ParameterizedTest(name = "gzipped={0}")
    @ValueSource(booleans = {false, true})
    void rejectsTrailingBytes(boolean gzipped) {
        byte[] whole = IdxTestFiles.labelBytes(new IdxLabels(new byte[] {1, 2}));
        Path file =
                IdxTestFiles.write(dir, "labels", Arrays.copyOf(whole, whole.length + 3), gzipped);

        assertInvalid(() -> IdxReader.readLabels(CONF, file.toString()))
                .hasMessageContaining("header says 2 labels (2 bytes of labels) but");
    }

    @Test
    void ignoresBytesAfterTheGzipStreamAsGzipDoes() {
        byte[] gzipped =
                IdxTestFiles.gzip(IdxTestFiles.labelBytes(new IdxLabels(new byte[] {1, 2})));
        byte[] withGarbage = Arrays.copyOf(gzipped, gzipped.length + 5);
        Arrays.fill(withGarbage, gzipped.length, withGarbage.length, (byte) 0x1f);
        Path file = IdxTestFiles.write(dir, "labels", withGarbage, false);

        assertThat(IdxReader.readLabels(CONF, file.toString()).labels()).containsExactly(1, 2);
    }

    @Test
    void readsConcatenatedGzipMembersAsOneFile() {
        byte[] whole = IdxTestFiles.labelBytes(new IdxLabels(new byte[] {1, 2, 3}));
        byte[] first = IdxTestFiles.gzip(Arrays.copyOf(whole, 9));
        byte[] second = IdxTestFiles.gzip(Arrays.copyOfRange(whole, 9, whole.length));
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        Path file = IdxTestFiles.write(dir, "labels", both, false);

        assertThat(IdxReader.readLabels(CONF, file.toString()).labels()).containsExactly(1, 2, 3);
    }

    @Test
    void rejectsAWrongMagicNumber() {
        Path file = IdxTestFiles.write(dir, "x", "hello, world\n".getBytes(), false);

        assertInvalid(() -> IdxReader.readImages(CONF, file.toString()))
                .hasMessageContaining("magic number 0x68656c6c is not 0x00000803")
                .hasMessageContaining("this is not an IDX file");
    }

    @Test
    void rejectsALabelFileWhereImagesWereExpected() {
        Path file = IdxTestFiles.writeLabels(dir, "labels", new IdxLabels(new byte[] {1}), false);

        assertInvalid(() -> IdxReader.readImages(CONF, file.toString()))
                .hasMessageContaining(
                        "magic number 0x00000801 marks IDX labels, but IDX images (0x00000803)"
                                + " were expected");
    }

    @Test
    void rejectsOtherDataTypesAndDimensionCounts() {
        Path floats =
                IdxTestFiles.write(
                        dir, "f", IdxTestFiles.idx(0x0D01, new int[] {0}, new byte[0]), false);
        Path matrix =
                IdxTestFiles.write(
                        dir, "m", IdxTestFiles.idx(0x0802, new int[] {1, 1}, new byte[1]), false);

        assertInvalid(() -> IdxReader.readLabels(CONF, floats.toString()))
                .hasMessageContaining("declares data type 0x0d, but only 0x08 (unsigned byte)");
        assertInvalid(() -> IdxReader.readLabels(CONF, matrix.toString()))
                .hasMessageContaining("declares 2 dimensions, but IDX labels have 1");
    }

    @Test
    void rejectsNegativeSizes() {
        Path file =
                IdxTestFiles.write(
                        dir,
                        "images",
                        IdxTestFiles.idx(0x0803, new int[] {1, -28, 28}, new byte[0]),
                        false);

        assertInvalid(() -> IdxReader.readImages(CONF, file.toString()))
                .hasMessageContaining("header gives size 2 of 3 as 4294967268");
    }

    @ParameterizedTest(name = "gzipped={0}")
    @ValueSource(booleans = {false, true})
    void rejectsHugeSizesWithoutAllocatingThem(boolean gzipped) {
        int[][] claims = {
            {Integer.MAX_VALUE, 28, 28}, // product far above 2^31
            {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE}, // overflows a long
        };
        for (int[] claim : claims) {
            Path file =
                    IdxTestFiles.write(
                            dir, "images", IdxTestFiles.idx(0x0803, claim, new byte[100]), gzipped);
            assertInvalid(() -> IdxReader.readImages(CONF, file.toString()))
                    .hasMessageContaining("header says " + claim[0] + " images of")
                    .hasMessageContaining("the most this reader accepts");
        }
        // Below the cap, but far more than the file holds: refused by length, or by running dry.
        Path file =
                IdxTestFiles.write(
                        dir,
                        "images",
                        IdxTestFiles.idx(0x0803, new int[] {2_000_000, 1000, 1}, new byte[100]),
                        gzipped);
        assertInvalid(() -> IdxReader.readImages(CONF, file.toString()))
                .hasMessageContaining(
                        "header says 2000000 images of 1000x1 but only 100 bytes of pixels"
                                + " follow");
    }

    @Test
    void rejectsEmptyFiles() {
        Path empty = IdxTestFiles.write(dir, "empty", new byte[0], false);
        Path emptyGzip = IdxTestFiles.write(dir, "empty.gz", new byte[0], true);

        assertInvalid(() -> IdxReader.readImages(CONF, empty.toString()))
                .hasMessageContaining("dataset file file:" + empty + " is empty");
        assertInvalid(() -> IdxReader.readImages(CONF, emptyGzip.toString()))
                .hasMessageContaining(" is empty once decompressed");
    }

    @Test
    void rejectsCorruptGzipStreams() {
        byte[] gzipped =
                IdxTestFiles.gzip(
                        IdxTestFiles.imageBytes(
                                IdxTestFiles.randomImages(new SplittableRandom(5), 4, 8, 8)));
        Path truncated =
                IdxTestFiles.write(dir, "t", Arrays.copyOf(gzipped, gzipped.length / 2), false);
        byte[] badCrc = gzipped.clone();
        badCrc[badCrc.length - 6] ^= 1;
        Path corrupt = IdxTestFiles.write(dir, "c", badCrc, false);

        assertInvalid(() -> IdxReader.readImages(CONF, truncated.toString()))
                .hasMessageContaining("its gzip stream is corrupt or truncated");
        assertInvalid(() -> IdxReader.readImages(CONF, corrupt.toString()))
                .hasMessageContaining("its gzip stream is corrupt or truncated");
    }

    @Test
    void reportsMissingFilesAndDirectories() {
        Path missing = dir.resolve("nope");

        assertInvalid(() -> IdxReader.readLabels(CONF, missing.toString()))
                .hasMessage("dataset file file:" + missing + " is missing; check the path or URI");
        assertInvalid(() -> IdxReader.readLabels(CONF, dir.toString()))
                .hasMessageContaining("is a directory, not an IDX file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"nosuchfs", "s3a"})
    void reportsSchemesWithoutAFileSystemAsConfigurationErrors(String scheme) {
        // s3a is configured in core-default.xml, but hadoop-aws is not on the test classpath.
        assertThatThrownBy(() -> IdxReader.readLabels(CONF, scheme + "://host/labels"))
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_CONFIG))
                .hasMessageContaining(
                        "no Hadoop file system serves the scheme of " + scheme + "://host/labels")
                .hasMessageContaining("put its connector on the classpath");
    }

    @Test
    void reportsStreamFailuresAsIoFailures() {
        InputStream failing =
                new InputStream() {
                    @Override
                    public int read() throws IOException {
                        throw new IOException("disk on fire\nreally");
                    }
                };

        assertThatThrownBy(() -> IdxReader.readLabels(failing, "broken"))
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.IO_FAILURE))
                .hasMessage(
                        "could not read dataset file broken: java.io.IOException: disk on fire"
                                + " really");
    }

    /** Asserts an {@link ErrorClass#INVALID_DATASET} error with a one-line message. */
    static AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(Runnable call) {
        return assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> {
                            assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_DATASET);
                            assertThat(e.getMessage()).doesNotContain("\n", "\r");
                        });
    }
}
