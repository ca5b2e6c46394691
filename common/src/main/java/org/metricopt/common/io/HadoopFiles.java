package org.metricopt.common.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * Small helpers over the Hadoop FileSystem API so that every path in the project may be {@code
 * file:}, {@code hdfs:} or {@code s3a:}. Writes are atomic: the bytes go to a hidden temporary name
 * in the same directory, which is then renamed over the target.
 */
public final class HadoopFiles {
    private HadoopFiles() {}

    public static FileSystem fs(Configuration conf, String uri) {
        return fs(conf, new Path(uri));
    }

    /**
     * The file system of {@code path}. A scheme that no connector on the classpath serves (s3a:
     * without hadoop-aws, a typo) is a configuration error naming the path, not a stack trace.
     */
    public static FileSystem fs(Configuration conf, Path path) {
        try {
            return path.getFileSystem(conf);
        } catch (org.apache.hadoop.fs.UnsupportedFileSystemException e) {
            throw noFileSystem(path, e);
        } catch (IOException e) {
            throw ioFailure("cannot open the file system of " + path, e);
        } catch (RuntimeException e) {
            // Configuration.getClass wraps a connector class missing from the classpath this way.
            if (e.getCause() instanceof ClassNotFoundException) {
                throw noFileSystem(path, e.getCause());
            }
            throw e;
        }
    }

    private static MetricOptException noFileSystem(Path path, Throwable cause) {
        return new MetricOptException(
                ErrorClass.INVALID_CONFIG,
                ("no Hadoop file system serves the scheme of "
                                + path
                                + " ("
                                + cause.getMessage()
                                + "); put its connector on the classpath (for s3a: hadoop-aws)"
                                + " or use a file:, hdfs: or local path")
                        .replace('\n', ' '),
                cause);
    }

    public static boolean exists(Configuration conf, String uri) {
        try {
            return fs(conf, uri).exists(new Path(uri));
        } catch (IOException e) {
            throw ioFailure("cannot check " + uri, e);
        }
    }

    public static byte[] read(Configuration conf, String uri) {
        Path p = new Path(uri);
        try (InputStream in = fs(conf, uri).open(p)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (org.apache.hadoop.fs.ChecksumException e) {
            throw new MetricOptException(
                    ErrorClass.INVALID_CHECKPOINT,
                    "file " + uri + " is corrupt: its bytes do not match the file system checksum",
                    e);
        } catch (IOException e) {
            throw ioFailure("cannot read " + uri, e);
        }
    }

    public static String readString(Configuration conf, String uri) {
        return new String(read(conf, uri), StandardCharsets.UTF_8);
    }

    /** Writes {@code bytes} to {@code uri} atomically, replacing any previous file. */
    public static void writeAtomically(Configuration conf, String uri, byte[] bytes) {
        Path target = new Path(uri);
        FileSystem fs = fs(conf, uri);
        Path tmp =
                new Path(target.getParent(), "." + target.getName() + ".tmp-" + System.nanoTime());
        try {
            fs.mkdirs(target.getParent());
            try (OutputStream out = fs.create(tmp, true)) {
                out.write(bytes);
            }
            // FileContext's rename with OVERWRITE replaces the target in one step on HDFS and the
            // local file system, so readers never see it missing.
            org.apache.hadoop.fs.FileContext fc =
                    org.apache.hadoop.fs.FileContext.getFileContext(target.toUri(), conf);
            fc.rename(tmp, target, org.apache.hadoop.fs.Options.Rename.OVERWRITE);
        } catch (IOException e) {
            try {
                fs.delete(tmp, false);
            } catch (IOException ignored) {
                // The temporary name is hidden and harmless; the original error matters.
            }
            throw ioFailure("cannot write " + uri, e);
        }
    }

    public static void writeAtomically(Configuration conf, String uri, String text) {
        writeAtomically(conf, uri, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Resolves a path relative to the working directory into a qualified URI. */
    public static String qualify(Configuration conf, String uri) {
        Path p = new Path(uri);
        return fs(conf, uri).makeQualified(p).toString();
    }

    public static MetricOptException ioFailure(String what, Exception e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return new MetricOptException(
                ErrorClass.IO_FAILURE, what + ": " + reason.replace('\n', ' '), e);
    }
}
