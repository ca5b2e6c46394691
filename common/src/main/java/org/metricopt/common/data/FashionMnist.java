package org.metricopt.common.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.HadoopFiles;

/**
 * The Fashion-MNIST dataset (Xiao, Rasul and Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
 * Benchmarking Machine Learning Algorithms", arXiv:1708.07747, 2017), the image-classification
 * benchmark of MetricOpt (Huang et al., "MetricOpt: Learning to Optimize Black-Box Evaluation
 * Metrics", CVPR 2021): 60000 training and 10000 test greyscale images of 28×28 pixels, each
 * labelled with one of the ten {@link #CLASS_NAMES}.
 *
 * <p>{@link #load} reads the four IDX files of the official release from one directory, gzipped or
 * not, through the Hadoop file system API (see {@link IdxReader}), checks that they agree with each
 * other, and records a SHA-256 {@link #checksum()} of their decompressed bytes for provenance. The
 * counts are not fixed to 60000 and 10000, so tests can use small synthetic files.
 *
 * <p>An instance is immutable and meant to be loaded once per JVM (driver or executor) and shared
 * by every task there; it is deliberately not {@code Serializable}, so that Spark never ships the
 * 55 MB of pixels inside a closure. Its arrays are returned without copying for the same reason:
 * callers must not modify them. Example {@code i} of the training set has the pixels {@code
 * trainPixels()[i * PIXELS, (i + 1) * PIXELS)} (row-major, unsigned) and the label {@code
 * trainLabels()[i]}; the test set is laid out the same way.
 *
 * @see DataSplits
 */
public final class FashionMnist {
    /** Where the Debian package {@code dataset-fashion-mnist} installs the data. */
    public static final String DEFAULT_ROOT = "/usr/share/datasets/fashion-mnist";

    /** Height of an image in pixels. */
    public static final int ROWS = 28;

    /** Width of an image in pixels. */
    public static final int COLS = 28;

    /** Pixels per image, {@code ROWS * COLS}. */
    public static final int PIXELS = ROWS * COLS;

    /** The number of classes; labels lie in [0, {@code CLASSES}). */
    public static final int CLASSES = 10;

    /**
     * The class names, indexed by label, as in the dataset's documentation. The array is shared: do
     * not modify it.
     */
    public static final String[] CLASS_NAMES = {
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot"
    };

    /** File names of the official release, without the {@code .gz} suffix. */
    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";

    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    private static final String SET_ROOT =
            "set data.root to a directory holding the four Fashion-MNIST IDX files";
    private static final String INSTALL_OR_SET_ROOT =
            "install it with 'apt-get install dataset-fashion-mnist' or " + SET_ROOT;
    private static final String COPY_OR_SET_ROOT =
            "copy the files there (for example 'hadoop fs -put "
                    + DEFAULT_ROOT
                    + "/*.gz <data.root>') or "
                    + SET_ROOT;

    private final String root;
    private final byte[] trainPixels;
    private final byte[] trainLabels;
    private final byte[] testPixels;
    private final byte[] testLabels;
    private final String checksum;

    private FashionMnist(
            String root,
            byte[] trainPixels,
            byte[] trainLabels,
            byte[] testPixels,
            byte[] testLabels,
            String checksum) {
        this.root = root;
        this.trainPixels = trainPixels;
        this.trainLabels = trainLabels;
        this.testPixels = testPixels;
        this.testLabels = testLabels;
        this.checksum = checksum;
    }

    /**
     * Loads the dataset from the directory {@code rootUri}, which holds {@code
     * train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte} and
     * {@code t10k-labels-idx1-ubyte}, each with or without a {@code .gz} suffix; where both exist
     * the uncompressed one is read, as it is faster. Whether a file is gzipped is decided by its
     * content, not its name.
     *
     * @param conf the Hadoop configuration used to find the file system
     * @param rootUri a local path or a URI such as {@code hdfs://nn/datasets/fashion-mnist}; a path
     *     without a scheme is local (see {@link IdxReader})
     * @throws MetricOptException {@link ErrorClass#INVALID_DATASET} if a file is missing or
     *     malformed or the files disagree, {@link ErrorClass#INVALID_CONFIG} if {@code rootUri} is
     *     not a path, {@link ErrorClass#IO_FAILURE} if the file system fails
     */
    public static FashionMnist load(Configuration conf, String rootUri) {
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(rootUri, "rootUri");
        Path root;
        try {
            root = IdxReader.resolve(conf, rootUri);
        } catch (IllegalArgumentException e) {
            throw new MetricOptException(
                    ErrorClass.INVALID_CONFIG,
                    IdxReader.oneLine(
                            "data.root = '"
                                    + rootUri
                                    + "' is not a valid path or URI ("
                                    + e.getMessage()
                                    + "); "
                                    + SET_ROOT),
                    e);
        } catch (IOException e) {
            throw ioFailure(rootUri, e);
        }
        String fix = missingFix(root);
        Path trainImagesPath;
        Path trainLabelsPath;
        Path testImagesPath;
        Path testLabelsPath;
        try {
            FileSystem fs = HadoopFiles.fs(conf, root);
            checkRoot(fs, root, fix);
            trainImagesPath = locate(fs, root, TRAIN_IMAGES, fix);
            trainLabelsPath = locate(fs, root, TRAIN_LABELS, fix);
            testImagesPath = locate(fs, root, TEST_IMAGES, fix);
            testLabelsPath = locate(fs, root, TEST_LABELS, fix);
        } catch (IOException e) {
            throw ioFailure(root.toString(), e);
        }

        // The order of the reads fixes the order in which the checksum sees the files.
        MessageDigest sha256 = sha256();
        IdxImages trainImages = readImages(conf, trainImagesPath, sha256, fix);
        byte[] trainLabels = readLabels(conf, trainLabelsPath, sha256, fix);
        IdxImages testImages = readImages(conf, testImagesPath, sha256, fix);
        byte[] testLabels = readLabels(conf, testLabelsPath, sha256, fix);
        String checksum = HexFormat.of().formatHex(sha256.digest());

        checkPair(trainImagesPath, trainImages, trainLabelsPath, trainLabels);
        checkPair(testImagesPath, testImages, testLabelsPath, testLabels);
        if (trainImages.count() < 2) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    "dataset file "
                            + trainImagesPath
                            + " holds "
                            + trainImages.count()
                            + " images, but at least 2 are needed to form the PRETRAIN and"
                            + " TASK_POOL splits; "
                            + SET_ROOT);
        }
        if (testImages.count() < 1) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    "dataset file "
                            + testImagesPath
                            + " holds no images, but the TEST split needs at least 1; "
                            + SET_ROOT);
        }
        return new FashionMnist(
                root.toString(),
                trainImages.pixels(),
                trainLabels,
                testImages.pixels(),
                testLabels,
                checksum);
    }

    /** The directory the data was loaded from, fully qualified (for example {@code file:/...}). */
    public String root() {
        return root;
    }

    /** The number of training images (60000 in the official release). */
    public int trainCount() {
        return trainLabels.length;
    }

    /** The number of test images (10000 in the official release). */
    public int testCount() {
        return testLabels.length;
    }

    /**
     * The training pixels, {@link #PIXELS} unsigned bytes per image, row-major. Not copied: do not
     * modify.
     */
    public byte[] trainPixels() {
        return trainPixels;
    }

    /** The training labels, one per image, in [0, {@link #CLASSES}). Not copied: do not modify. */
    public byte[] trainLabels() {
        return trainLabels;
    }

    /**
     * The test pixels, {@link #PIXELS} unsigned bytes per image, row-major. Not copied: do not
     * modify.
     */
    public byte[] testPixels() {
        return testPixels;
    }

    /** The test labels, one per image, in [0, {@link #CLASSES}). Not copied: do not modify. */
    public byte[] testLabels() {
        return testLabels;
    }

    /**
     * The SHA-256, in lower-case hex, of the decompressed bytes of the four files (headers
     * included) concatenated in the order train images, train labels, test images, test labels. It
     * does not depend on whether the files were gzipped, so it identifies the data in a run's
     * provenance.
     */
    public String checksum() {
        return checksum;
    }

    @Override
    public String toString() {
        return "FashionMnist[root="
                + root
                + ", train="
                + trainCount()
                + ", test="
                + testCount()
                + ", sha256="
                + checksum
                + "]";
    }

    /**
     * What to do about a missing file: the Debian package only helps where the data is local; on a
     * cluster file system (hdfs:, s3a:) the files have to be copied there.
     */
    private static String missingFix(Path root) {
        String scheme = root.toUri().getScheme();
        return scheme == null || "file".equals(scheme) ? INSTALL_OR_SET_ROOT : COPY_OR_SET_ROOT;
    }

    private static void checkRoot(FileSystem fs, Path root, String fix) throws IOException {
        FileStatus status;
        try {
            status = fs.getFileStatus(root);
        } catch (FileNotFoundException e) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET, "dataset root " + root + " is missing; " + fix, e);
        }
        if (!status.isDirectory()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    "dataset root " + root + " is not a directory; " + SET_ROOT);
        }
    }

    /** The uncompressed file if it exists, else the gzipped one. */
    private static Path locate(FileSystem fs, Path root, String name, String fix)
            throws IOException {
        Path plain = new Path(root, name);
        if (isFile(fs, plain)) {
            return plain;
        }
        Path gzipped = new Path(root, name + ".gz");
        if (isFile(fs, gzipped)) {
            return gzipped;
        }
        throw IdxReader.missing(gzipped + " (or " + name + ")", fix, null);
    }

    private static boolean isFile(FileSystem fs, Path path) throws IOException {
        try {
            return fs.getFileStatus(path).isFile();
        } catch (FileNotFoundException e) {
            return false;
        }
    }

    private static IdxImages readImages(
            Configuration conf, Path path, MessageDigest digest, String fix) {
        return IdxReader.Kind.IMAGES.images(
                IdxReader.read(conf, path, IdxReader.Kind.IMAGES, digest, fix));
    }

    private static byte[] readLabels(
            Configuration conf, Path path, MessageDigest digest, String fix) {
        return IdxReader.read(conf, path, IdxReader.Kind.LABELS, digest, fix).data();
    }

    private static void checkPair(
            Path imagesPath, IdxImages images, Path labelsPath, byte[] labels) {
        if (images.rows() != ROWS || images.cols() != COLS) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    "dataset file "
                            + imagesPath
                            + " holds images of "
                            + images.rows()
                            + "x"
                            + images.cols()
                            + ", but Fashion-MNIST images are "
                            + ROWS
                            + "x"
                            + COLS
                            + "; "
                            + SET_ROOT);
        }
        if (images.count() != labels.length) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    "dataset files "
                            + imagesPath
                            + " and "
                            + labelsPath
                            + " disagree: the first holds "
                            + images.count()
                            + " images but the second "
                            + labels.length
                            + " labels; both must come from the same Fashion-MNIST release");
        }
        for (int i = 0; i < labels.length; i++) {
            int label = labels[i] & 0xff;
            if (label >= CLASSES) {
                throw new MetricOptException(
                        ErrorClass.INVALID_DATASET,
                        "dataset file "
                                + labelsPath
                                + " is malformed: label "
                                + label
                                + " at index "
                                + i
                                + " is outside [0, "
                                + CLASSES
                                + ")");
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest's specification).
            throw new MetricOptException(ErrorClass.INTERNAL, "SHA-256 is not available", e);
        }
    }

    private static MetricOptException ioFailure(String root, IOException e) {
        return new MetricOptException(
                ErrorClass.IO_FAILURE,
                IdxReader.oneLine("could not read dataset root " + root + ": " + e),
                e);
    }
}
