package org.metricopt.common.io;

import java.io.IOException;
import java.nio.file.Files;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file:} URIs, with its checksum files) that sets permissions
 * through {@code java.nio} when Hadoop's native library is not loaded. Hadoop's own then starts a
 * {@code chmod} process for every file and directory it creates, checksum files included, and a
 * Spark SQL write of a run's logs waits for each of them while its task holds a task slot
 * (docs/DESIGN.md section 6, "Local run directories"). The modes are those the forked {@code chmod
 * 0NNN} sets: exactly the asked-for bits (the sticky bit included), except that a directory keeps
 * its set-user-ID and set-group-ID bits, so group-shared run directories stay shared. Hadoop's own
 * code runs with the native library or where the file system has no {@code unix:mode} attribute.
 * Spark sessions use it for {@code file:} through {@code spark.hadoop.fs.file.impl} unless that is
 * set.
 */
public class NioLocalFileSystem extends LocalFileSystem {
    public NioLocalFileSystem() {
        super(new Raw());
    }

    /** The raw local file system underneath, with {@link #setPermission} through java.nio. */
    static final class Raw extends RawLocalFileSystem {
        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            if (NativeIO.isAvailable()) {
                super.setPermission(p, permission);
                return;
            }
            java.nio.file.Path file = pathToFile(p).toPath();
            int current;
            try {
                current = (Integer) Files.getAttribute(file, UNIX_MODE);
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                super.setPermission(p, permission);
                return;
            }
            Files.setAttribute(file, UNIX_MODE, mode(permission, current, Files.isDirectory(file)));
        }
    }

    private static final String UNIX_MODE = "unix:mode";

    /**
     * The mode {@code chmod 0NNN} leaves: the permission's bits with the sticky bit, plus, on a
     * directory, the set-user-ID and set-group-ID bits it had ({@code current}).
     */
    static int mode(FsPermission permission, int current, boolean directory) {
        int mode = permission.toShort() & 01777;
        return directory ? mode | (current & 06000) : mode;
    }
}
