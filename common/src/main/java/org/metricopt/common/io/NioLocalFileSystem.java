package org.metricopt.common.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file:} URIs, with its checksum files) that sets permissions
 * through {@code java.nio} when Hadoop's native library is not loaded. Hadoop's own then starts a
 * {@code chmod} process for every file and directory it creates, checksum files included, and a
 * Spark SQL write of a run's logs waits for each of them while its task holds a task slot
 * (docs/DESIGN.md section 6, "Local run directories"). With the native library, or for what {@code
 * java.nio} cannot express (the sticky bit, a file system without POSIX permissions), Hadoop's own
 * code runs. Spark sessions use it for {@code file:} through {@code spark.hadoop.fs.file.impl}
 * unless that is set.
 */
public class NioLocalFileSystem extends LocalFileSystem {
    public NioLocalFileSystem() {
        super(new Raw());
    }

    /** The raw local file system underneath, with {@link #setPermission} through java.nio. */
    static final class Raw extends RawLocalFileSystem {
        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            if (NativeIO.isAvailable() || permission.getStickyBit()) {
                super.setPermission(p, permission);
                return;
            }
            try {
                Files.setPosixFilePermissions(pathToFile(p).toPath(), posix(permission));
            } catch (UnsupportedOperationException e) {
                super.setPermission(p, permission);
            }
        }
    }

    /** The POSIX permission bits of {@code permission} (without the sticky bit). */
    static Set<PosixFilePermission> posix(FsPermission permission) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        add(
                out,
                permission.getUserAction(),
                PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE);
        add(
                out,
                permission.getGroupAction(),
                PosixFilePermission.GROUP_READ,
                PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_EXECUTE);
        add(
                out,
                permission.getOtherAction(),
                PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_EXECUTE);
        return out;
    }

    private static void add(
            Set<PosixFilePermission> out,
            FsAction action,
            PosixFilePermission read,
            PosixFilePermission write,
            PosixFilePermission execute) {
        if (action.implies(FsAction.READ)) {
            out.add(read);
        }
        if (action.implies(FsAction.WRITE)) {
            out.add(write);
        }
        if (action.implies(FsAction.EXECUTE)) {
            out.add(execute);
        }
    }
}
