package org.metricopt.common.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.FileNotFoundException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.HadoopFiles;

/**
 * Reads IDX files of unsigned bytes, the format of MNIST and Fashion-MNIST (LeCun et al., "The
 * MNIST database of handwritten digits"; Xiao et al., "Fashion-MNIST", arXiv:1708.07747).
 *
 * <p>An IDX file is a big-endian header followed by the data: the magic number {@code 0x0000TTNN}
 * where {@code TT} is the data type ({@code 0x08}, unsigned byte, is the only one accepted) and
 * {@code NN} the number of dimensions, then {@code NN} 32-bit sizes, then the product of the sizes
 * in bytes. Image files ({@code idx3-ubyte}, magic {@code 0x00000803}) have the sizes count, rows
 * and columns; label files ({@code idx1-ubyte}, magic {@code 0x00000801}) have the count only.
 *
 * <p>Files are opened through the Hadoop {@link FileSystem} API, so {@code file:}, {@code hdfs:}
 * and {@code s3a:} URIs work wherever their connector is on the classpath. A path without a scheme
 * names a <em>local</em> file whatever {@code fs.defaultFS} says, because the Debian package {@code
 * dataset-fashion-mnist} installs the data on each node's local disk; write {@code hdfs:///...} to
 * read from the default HDFS. A file is gzip-decompressed when it starts with the gzip magic bytes
 * {@code 0x1f 0x8b}, whatever its name; concatenated gzip members are read as one stream and, as
 * with {@code gzip -d}, bytes after the last member are ignored (each member's CRC and length are
 * checked).
 *
 * <p>The reader trusts nothing in the header: it rejects negative sizes, sizes whose product
 * exceeds {@link #MAX_PAYLOAD_BYTES}, and sizes that disagree with the length of an uncompressed
 * file before it allocates anything; gzip streams, whose decompressed length is unknown, are read
 * into a buffer that grows only as data actually arrives. Both truncated files and trailing bytes
 * after the payload are errors. Every error is a {@link MetricOptException} with a one-line message
 * that names the file and what is wrong: {@link ErrorClass#INVALID_DATASET} for missing or
 * malformed files, {@link ErrorClass#INVALID_CONFIG} when no file system serves a URI's scheme,
 * {@link ErrorClass#IO_FAILURE} for failures of the file system.
 */
public final class IdxReader {
    /**
     * The largest payload accepted, in bytes: about the largest {@code byte[]} a JVM can allocate
     * (2<sup>31</sup> − 1 less the few words some VMs reserve in the array header).
     */
    public static final long MAX_PAYLOAD_BYTES = Integer.MAX_VALUE - 8;

    private static final int BUFFER_BYTES = 1 << 16;
    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;
    private static final int UNSIGNED_BYTE = 0x08;
    private static final String GENERIC_FIX = "check the path or URI";

    private IdxReader() {}

    /** What an IDX file is expected to hold. */
    enum Kind {
        IMAGES(3, "images", "pixels"),
        LABELS(1, "labels", "labels");

        final int dims;
        final int magic;
        final String noun;
        final String payloadNoun;

        Kind(int dims, String noun, String payloadNoun) {
            this.dims = dims;
            this.magic = (UNSIGNED_BYTE << 8) | dims;
            this.noun = noun;
            this.payloadNoun = payloadNoun;
        }

        int headerBytes() {
            return 4 + 4 * dims;
        }

        String describe(int[] sizes) {
            return switch (this) {
                case IMAGES -> sizes[0] + " images of " + sizes[1] + "x" + sizes[2];
                case LABELS -> sizes[0] + " labels";
            };
        }

        IdxImages images(Idx idx) {
            return new IdxImages(idx.sizes[0], idx.sizes[1], idx.sizes[2], idx.data);
        }
    }

    /** A parsed file: the header's sizes and the payload. */
    record Idx(int[] sizes, byte[] data) {}

    /**
     * Reads an image file ({@code idx3-ubyte}, magic {@code 0x00000803}), gzipped or not.
     *
     * @param conf the Hadoop configuration used to find the file system
     * @param uri a path or URI such as {@code /data/x}, {@code file:/data/x} or {@code
     *     hdfs://nn/data/x}
     * @throws MetricOptException if the file is missing, malformed or cannot be read
     */
    public static IdxImages readImages(Configuration conf, String uri) {
        return Kind.IMAGES.images(read(conf, uri, Kind.IMAGES, null, GENERIC_FIX));
    }

    /**
     * Reads a label file ({@code idx1-ubyte}, magic {@code 0x00000801}), gzipped or not.
     *
     * @param conf the Hadoop configuration used to find the file system
     * @param uri a path or URI such as {@code /data/x}, {@code file:/data/x} or {@code
     *     hdfs://nn/data/x}
     * @throws MetricOptException if the file is missing, malformed or cannot be read
     */
    public static IdxLabels readLabels(Configuration conf, String uri) {
        return new IdxLabels(read(conf, uri, Kind.LABELS, null, GENERIC_FIX).data);
    }

    /**
     * Reads an image file from a stream, gzipped or not, up to the end of the stream. The stream is
     * not closed.
     *
     * @param in the file's bytes
     * @param source the name of the file, for error messages
     * @throws MetricOptException if the bytes are malformed or the stream fails
     */
    public static IdxImages readImages(InputStream in, String source) {
        return Kind.IMAGES.images(readStream(in, source, Kind.IMAGES));
    }

    /**
     * Reads a label file from a stream, gzipped or not, up to the end of the stream. The stream is
     * not closed.
     *
     * @param in the file's bytes
     * @param source the name of the file, for error messages
     * @throws MetricOptException if the bytes are malformed or the stream fails
     */
    public static IdxLabels readLabels(InputStream in, String source) {
        return new IdxLabels(readStream(in, source, Kind.LABELS).data);
    }

    /**
     * Turns a path or URI into a Hadoop path; one without a scheme is qualified against the local
     * file system.
     *
     * @throws IllegalArgumentException if {@code uri} is not a valid path or URI
     * @throws IOException if the local file system cannot be created
     */
    static Path resolve(Configuration conf, String uri) throws IOException {
        Path path = new Path(uri);
        if (path.toUri().getScheme() == null) {
            return FileSystem.getLocal(conf).makeQualified(path);
        }
        return path;
    }

    /**
     * Reads one file from a file system, feeding its decompressed bytes to {@code digest} when that
     * is not null.
     *
     * @param missingFix what the user should do when the file does not exist
     */
    static Idx read(
            Configuration conf, String uri, Kind kind, MessageDigest digest, String missingFix) {
        Objects.requireNonNull(conf, "conf");
        Objects.requireNonNull(uri, "uri");
        Path path;
        try {
            path = resolve(conf, uri);
        } catch (IllegalArgumentException e) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    oneLine(
                            "dataset path '"
                                    + uri
                                    + "' is not a valid path or URI ("
                                    + e.getMessage()
                                    + ")"),
                    e);
        } catch (IOException e) {
            throw ioFailure(uri, e);
        }
        return read(conf, path, kind, digest, missingFix);
    }

    static Idx read(Configuration conf, Path path, Kind kind, MessageDigest digest, String fix) {
        String name = path.toString();
        try {
            FileSystem fs = HadoopFiles.fs(conf, path);
            FileStatus status;
            try {
                status = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw missing(name, fix, e);
            }
            if (status.isDirectory()) {
                throw new MetricOptException(
                        ErrorClass.INVALID_DATASET,
                        "dataset file " + name + " is a directory, not an IDX file; " + fix);
            }
            // A FileNotFoundException from open() means "permission denied" on local files.
            try (FSDataInputStream in = fs.open(path)) {
                return parse(in, name, status.getLen(), kind, digest);
            }
        } catch (ChecksumException e) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    oneLine(
                            "dataset file "
                                    + name
                                    + " is corrupt: its Hadoop checksum does not match ("
                                    + e.getMessage()
                                    + ")"),
                    e);
        } catch (IOException e) {
            throw ioFailure(name, e);
        }
    }

    static MetricOptException missing(String name, String fix, Throwable cause) {
        return new MetricOptException(
                ErrorClass.INVALID_DATASET,
                oneLine("dataset file " + name + " is missing; " + fix),
                cause);
    }

    private static MetricOptException ioFailure(String name, IOException e) {
        return new MetricOptException(
                ErrorClass.IO_FAILURE,
                oneLine("could not read dataset file " + name + ": " + e),
                e);
    }

    private static Idx readStream(InputStream in, String source, Kind kind) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(source, "source");
        try {
            return parse(new NonClosingInputStream(in), source, -1, kind, null);
        } catch (IOException e) {
            throw ioFailure(source, e);
        }
    }

    /**
     * Parses one IDX file, gzipped or not.
     *
     * @param length the number of bytes in the file, or −1 when unknown
     */
    private static Idx parse(
            InputStream raw, String source, long length, Kind kind, MessageDigest md)
            throws IOException {
        BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER_BYTES);
        if (!startsWithGzipMagic(buffered)) {
            return parseIdx(wrap(buffered, md), source, length, length, false, kind);
        }
        // The decompressed length is unknown; the compressed one only sizes the first buffer.
        try (GZIPInputStream gzip = new GZIPInputStream(buffered, BUFFER_BYTES)) {
            return parseIdx(wrap(gzip, md), source, -1, length, true, kind);
        } catch (ZipException | EOFException e) {
            throw malformed(
                    source, "its gzip stream is corrupt or truncated (" + e.getMessage() + ")", e);
        }
    }

    private static InputStream wrap(InputStream in, MessageDigest md) {
        return md == null ? in : new DigestInputStream(in, md);
    }

    private static boolean startsWithGzipMagic(BufferedInputStream in) throws IOException {
        in.mark(2);
        int b0 = in.read();
        int b1 = b0 < 0 ? -1 : in.read();
        in.reset();
        return b0 == GZIP_MAGIC_0 && b1 == GZIP_MAGIC_1;
    }

    /**
     * Parses the decompressed bytes of one IDX file.
     *
     * @param length the exact number of decompressed bytes, or −1 when unknown
     * @param sizeHint a number of bytes that bounds a reasonable first buffer, or −1
     */
    private static Idx parseIdx(
            InputStream in, String source, long length, long sizeHint, boolean gzip, Kind kind)
            throws IOException {
        byte[] header = new byte[kind.headerBytes()];
        int got = readFully(in, header, 0, 4);
        if (got == 0) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    "dataset file "
                            + source
                            + (gzip ? " is empty once decompressed" : " is empty")
                            + "; an IDX file starts with a "
                            + header.length
                            + "-byte header");
        }
        if (got == 4) {
            int magic = readInt(header, 0);
            if (magic != kind.magic) {
                throw malformed(source, describeBadMagic(magic, kind), null);
            }
            got += readFully(in, header, 4, header.length - 4);
        }
        if (got < header.length) {
            throw malformed(
                    source,
                    "it ends after "
                            + got
                            + " bytes, inside the "
                            + header.length
                            + "-byte IDX "
                            + kind.noun
                            + " header",
                    null);
        }
        int[] sizes = new int[kind.dims];
        for (int i = 0; i < kind.dims; i++) {
            sizes[i] = readInt(header, 4 + 4 * i);
            if (sizes[i] < 0) {
                throw malformed(
                        source,
                        "header gives size "
                                + (i + 1)
                                + " of "
                                + kind.dims
                                + " as "
                                + Integer.toUnsignedString(sizes[i])
                                + ", which is not a non-negative 32-bit integer",
                        null);
            }
        }
        long total = payloadBytes(sizes);
        String claim = "header says " + kind.describe(sizes);
        if (total > MAX_PAYLOAD_BYTES) {
            throw malformed(
                    source,
                    claim
                            + ", which would take more than "
                            + MAX_PAYLOAD_BYTES
                            + " bytes, the most this reader accepts",
                    null);
        }
        if (length >= 0) {
            long follow = length - header.length;
            if (follow < total) {
                throw truncated(source, claim, follow, kind);
            }
            if (follow > total) {
                throw trailing(source, claim, total, follow, kind);
            }
        }
        long firstBuffer =
                sizeHint > 0
                        ? Math.max(BUFFER_BYTES, 8 * Math.min(sizeHint, Integer.MAX_VALUE))
                        : BUFFER_BYTES;
        byte[] data = new byte[(int) Math.min(total, firstBuffer)];
        int size = 0;
        while (size < total) {
            if (size == data.length) {
                data = Arrays.copyOf(data, (int) Math.min(total, 2L * data.length));
            }
            int n = in.read(data, size, data.length - size);
            if (n < 0) {
                throw truncated(source, claim, size, kind);
            }
            size += n;
        }
        if (in.read() >= 0) {
            throw trailing(source, claim, total, -1, kind);
        }
        return new Idx(sizes, data);
    }

    /** The product of the sizes, or a value above {@link #MAX_PAYLOAD_BYTES} when it is larger. */
    private static long payloadBytes(int[] sizes) {
        long total = 1;
        for (int size : sizes) {
            if (size == 0) {
                return 0;
            }
        }
        for (int size : sizes) {
            // Both factors are below 2^31, so the product fits in a long.
            total *= size;
            if (total > MAX_PAYLOAD_BYTES) {
                return total;
            }
        }
        return total;
    }

    private static String describeBadMagic(int magic, Kind kind) {
        String found = String.format("magic number 0x%08x", magic);
        String expected =
                String.format(
                        "0x%08x (IDX %s: unsigned bytes in %d dimension%s)",
                        kind.magic, kind.noun, kind.dims, kind.dims == 1 ? "" : "s");
        if ((magic >>> 16) != 0) {
            return found + " is not " + expected + "; this is not an IDX file";
        }
        int type = (magic >>> 8) & 0xff;
        if (type != UNSIGNED_BYTE) {
            return String.format(
                    "%s declares data type 0x%02x, but only 0x08 (unsigned byte) is supported",
                    found, type);
        }
        int dims = magic & 0xff;
        for (Kind other : Kind.values()) {
            if (other != kind && other.magic == magic) {
                return found
                        + " marks IDX "
                        + other.noun
                        + ", but IDX "
                        + kind.noun
                        + " ("
                        + String.format("0x%08x", kind.magic)
                        + ") were expected";
            }
        }
        return found
                + " declares "
                + dims
                + " dimensions, but IDX "
                + kind.noun
                + " have "
                + kind.dims;
    }

    private static MetricOptException truncated(
            String source, String claim, long follow, Kind kind) {
        return malformed(
                source,
                claim + " but only " + follow + " bytes of " + kind.payloadNoun + " follow",
                null);
    }

    private static MetricOptException trailing(
            String source, String claim, long total, long follow, Kind kind) {
        String rest = follow >= 0 ? follow + " bytes follow the header" : "more bytes follow them";
        return malformed(
                source,
                claim + " (" + total + " bytes of " + kind.payloadNoun + ") but " + rest,
                null);
    }

    private static MetricOptException malformed(String source, String detail, Throwable cause) {
        return new MetricOptException(
                ErrorClass.INVALID_DATASET,
                oneLine("dataset file " + source + " is malformed: " + detail),
                cause);
    }

    /** Reads up to {@code len} bytes, stopping early only at the end of the stream. */
    private static int readFully(InputStream in, byte[] buf, int off, int len) throws IOException {
        int got = 0;
        while (got < len) {
            int n = in.read(buf, off + got, len - got);
            if (n < 0) {
                break;
            }
            got += n;
        }
        return got;
    }

    private static int readInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24)
                | ((b[off + 1] & 0xff) << 16)
                | ((b[off + 2] & 0xff) << 8)
                | (b[off + 3] & 0xff);
    }

    /** Error messages are one line, whatever the file system put in its exception's message. */
    static String oneLine(String message) {
        return message.replaceAll("\\s*\\R\\s*", " ");
    }

    /**
     * Lets the decompressor be closed (freeing its native memory) without closing the caller's
     * stream.
     */
    private static final class NonClosingInputStream extends FilterInputStream {
        NonClosingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len);
        }

        @Override
        public void close() {}
    }
}
