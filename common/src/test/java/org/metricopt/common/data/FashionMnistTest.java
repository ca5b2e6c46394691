package org.metricopt.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.metricopt.common.data.IdxReaderTest.assertInvalid;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

class FashionMnistTest {
    private static final Configuration CONF = new Configuration();
    private static final String INSTALL = "apt-get install dataset-fashion-mnist";

    /** SHA-256 of the four decompressed files of the official release, from zcat | sha256sum. */
    private static final String OFFICIAL_CHECKSUM =
            "14410854cf7a289477dcfc7df3f8ec24741e281cdcc425ede0d9a748ca630214";

    @TempDir Path dir;

    @ParameterizedTest(name = "gzipped={0}")
    @ValueSource(booleans = {false, true})
    void loadsSyntheticFiles(boolean gzipped) {
        IdxTestFiles.writeFashionMnist(dir, 20, 7, gzipped, 42);

        FashionMnist data = FashionMnist.load(CONF, dir.toString());

        assertThat(data.trainCount()).isEqualTo(20);
        assertThat(data.testCount()).isEqualTo(7);
        assertThat(data.trainPixels()).hasSize(20 * FashionMnist.PIXELS);
        assertThat(data.testPixels()).hasSize(7 * FashionMnist.PIXELS);
        assertThat(data.trainLabels()).hasSize(20);
        assertThat(data.testLabels()).hasSize(7);
        assertThat(data.root()).isEqualTo("file:" + dir);
        assertThat(data.trainPixels()).isSameAs(data.trainPixels());
        SplittableRandom random = new SplittableRandom(42);
        assertThat(data.trainPixels())
                .isEqualTo(IdxTestFiles.randomImages(random, 20, 28, 28).pixels());
        assertThat(data.trainLabels())
                .isEqualTo(IdxTestFiles.randomLabels(random, 20, 10).labels());
    }

    @Test
    void checksumCoversTheDecompressedFilesInOrder() throws IOException, NoSuchAlgorithmException {
        Path plain = Files.createDirectory(dir.resolve("plain"));
        Path gzipped = Files.createDirectory(dir.resolve("gzipped"));
        IdxTestFiles.writeFashionMnist(plain, 6, 3, false, 7);
        IdxTestFiles.writeFashionMnist(gzipped, 6, 3, true, 7);
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        for (String name :
                new String[] {
                    FashionMnist.TRAIN_IMAGES,
                    FashionMnist.TRAIN_LABELS,
                    FashionMnist.TEST_IMAGES,
                    FashionMnist.TEST_LABELS
                }) {
            sha256.update(Files.readAllBytes(plain.resolve(name)));
        }

        String checksum = FashionMnist.load(CONF, plain.toString()).checksum();

        assertThat(checksum).isEqualTo(HexFormat.of().formatHex(sha256.digest()));
        assertThat(FashionMnist.load(CONF, gzipped.toUri().toString()).checksum())
                .isEqualTo(checksum);
        IdxTestFiles.writeFashionMnist(plain, 6, 3, false, 8);
        assertThat(FashionMnist.load(CONF, plain.toString()).checksum()).isNotEqualTo(checksum);
    }

    @Test
    void prefersTheUncompressedFileAndAcceptsMixedDirectories() {
        IdxTestFiles.writeFashionMnist(dir, 4, 2, true, 1);
        // A different, uncompressed train label file next to the gzipped one wins.
        byte[] labels = {9, 9, 9, 9};
        IdxTestFiles.writeLabels(dir, FashionMnist.TRAIN_LABELS, new IdxLabels(labels), false);

        assertThat(FashionMnist.load(CONF, dir.toString()).trainLabels()).isEqualTo(labels);
    }

    @Test
    void rejectsImageAndLabelCountsThatDisagree() {
        IdxTestFiles.writeFashionMnist(dir, 5, 3, false, 1);
        IdxTestFiles.writeLabels(dir, FashionMnist.TEST_LABELS, new IdxLabels(new byte[4]), false);

        assertInvalid(() -> FashionMnist.load(CONF, dir.toString()))
                .hasMessage(
                        "dataset files file:%s and file:%s disagree: the first holds 3 images but"
                                + " the second 4 labels; both must come from the same"
                                + " Fashion-MNIST release",
                        dir.resolve(FashionMnist.TEST_IMAGES),
                        dir.resolve(FashionMnist.TEST_LABELS));
    }

    @Test
    void rejectsLabelsOutsideTheTenClasses() {
        IdxTestFiles.writeFashionMnist(dir, 5, 3, false, 1);
        IdxTestFiles.writeLabels(
                dir, FashionMnist.TRAIN_LABELS, new IdxLabels(new byte[] {0, 9, 10, 1, 2}), false);

        assertInvalid(() -> FashionMnist.load(CONF, dir.toString()))
                .hasMessageContaining(
                        FashionMnist.TRAIN_LABELS + " is malformed: label 10 at index 2")
                .hasMessageEndingWith("is outside [0, 10)");
    }

    @Test
    void rejectsImagesThatAreNot28By28() {
        IdxTestFiles.writeFashionMnist(dir, 5, 3, true, 1);
        IdxTestFiles.writeImages(
                dir,
                FashionMnist.TRAIN_IMAGES + ".gz",
                new IdxImages(5, 32, 32, new byte[5 * 32 * 32]),
                true);

        assertInvalid(() -> FashionMnist.load(CONF, dir.toString()))
                .hasMessageContaining("holds images of 32x32, but Fashion-MNIST images are 28x28");
    }

    @Test
    void rejectsDatasetsTooSmallToSplit() {
        IdxTestFiles.writeFashionMnist(dir, 1, 3, false, 1);
        assertInvalid(() -> FashionMnist.load(CONF, dir.toString()))
                .hasMessageContaining("holds 1 images, but at least 2 are needed");

        IdxTestFiles.writeFashionMnist(dir, 4, 0, false, 1);
        assertInvalid(() -> FashionMnist.load(CONF, dir.toString()))
                .hasMessageContaining("holds no images, but the TEST split needs at least 1");
    }

    @Test
    void namesAMissingFileAndTheFix() throws IOException {
        IdxTestFiles.writeFashionMnist(dir, 4, 2, true, 1);
        Files.delete(dir.resolve(FashionMnist.TRAIN_IMAGES + ".gz"));

        assertInvalid(() -> FashionMnist.load(CONF, dir.toString()))
                .hasMessage(
                        "dataset file file:%s.gz (or %s) is missing; install it with '%s' or set"
                                + " data.root to a directory holding the four Fashion-MNIST IDX"
                                + " files",
                        dir.resolve(FashionMnist.TRAIN_IMAGES), FashionMnist.TRAIN_IMAGES, INSTALL);
    }

    @Test
    void namesAMissingRootAndTheFix() {
        Path missing = dir.resolve("no-such-dir");

        assertInvalid(() -> FashionMnist.load(CONF, missing.toString()))
                .hasMessageContaining("dataset root file:" + missing + " is missing")
                .hasMessageContaining(INSTALL);
        assertInvalid(() -> FashionMnist.load(CONF, missing.toUri().toString()))
                .hasMessageContaining(missing.toString())
                .hasMessageContaining(INSTALL);
    }

    @Test
    void rejectsARootThatIsAFile() {
        Path file = IdxTestFiles.write(dir, "file", new byte[1], false);

        assertInvalid(() -> FashionMnist.load(CONF, file.toString()))
                .hasMessageContaining("dataset root file:" + file + " is not a directory");
    }

    @Test
    void rejectsARootThatIsNoPath() {
        assertThatThrownBy(() -> FashionMnist.load(CONF, ""))
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_CONFIG))
                .hasMessageStartingWith("data.root = '' is not a valid path or URI");
    }

    @Test
    void namesTheTenClassesAndIsNotSerializable() {
        assertThat(FashionMnist.CLASS_NAMES)
                .hasSize(FashionMnist.CLASSES)
                .startsWith("T-shirt/top", "Trouser")
                .endsWith("Bag", "Ankle boot");
        assertThat(FashionMnist.PIXELS).isEqualTo(784);
        assertThat(Serializable.class.isAssignableFrom(FashionMnist.class)).isFalse();
    }

    @Test
    void loadsTheInstalledDataset() {
        Assumptions.assumeTrue(
                Files.exists(Path.of(FashionMnist.DEFAULT_ROOT, FashionMnist.TRAIN_IMAGES + ".gz")),
                "dataset-fashion-mnist is not installed");

        FashionMnist data = FashionMnist.load(CONF, FashionMnist.DEFAULT_ROOT);

        assertThat(data.trainCount()).isEqualTo(60_000);
        assertThat(data.testCount()).isEqualTo(10_000);
        assertThat(histogram(data.trainLabels())).containsOnly(6_000);
        assertThat(histogram(data.testLabels())).containsOnly(1_000);
        assertThat(data.checksum()).isEqualTo(OFFICIAL_CHECKSUM);
        // The first training image of the release is an ankle boot.
        assertThat(FashionMnist.CLASS_NAMES[data.trainLabels()[0]]).isEqualTo("Ankle boot");
    }

    private static int[] histogram(byte[] labels) {
        int[] counts = new int[FashionMnist.CLASSES];
        for (byte label : labels) {
            counts[label]++;
        }
        return counts;
    }
}
