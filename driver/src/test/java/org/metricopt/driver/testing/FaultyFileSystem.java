package org.metricopt.driver.testing;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.DelegateToFileSystem;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code faulty:}, with storage faults on demand, so fault
 * tests do not depend on the user (root ignores read-only permissions) or on a real full disk.
 * Configured through Hadoop settings, which a run takes from its {@code hadoop} block:
 *
 * <ul>
 *   <li>{@code fs.faulty.impl} = this class, {@code fs.AbstractFileSystem.faulty.impl} = {@link
 *       Abstract}, {@code fs.faulty.impl.disable.cache} = true;
 *   <li>{@code faulty.mode} = {@code full}: writes to paths matching {@code faulty.paths} (a regex,
 *       default all) fail with "No space left on device" after their first bytes; {@code
 *       read-only}: every change (create, mkdirs, rename, delete) fails with "Read-only file
 *       system".
 * </ul>
 */
public class FaultyFileSystem extends RawLocalFileSystem {
    public static final String SCHEME = "faulty";

    private String mode = "";
    private Pattern paths = Pattern.compile(".*");

    /** The {@code --set hadoop....} arguments that put a run on this file system. */
    public static java.util.List<String> settings(String mode, String pathRegex) {
        return java.util.List.of(
                "--set",
                "hadoop.\"fs.faulty.impl\"=" + FaultyFileSystem.class.getName(),
                "--set",
                "hadoop.\"fs.AbstractFileSystem.faulty.impl\"=" + Abstract.class.getName(),
                "--set",
                "hadoop.\"fs.faulty.impl.disable.cache\"=true",
                "--set",
                "hadoop.\"faulty.mode\"=" + mode,
                "--set",
                "hadoop.\"faulty.paths\"=\"" + pathRegex + "\"");
    }

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        super.initialize(uri, conf);
        mode = conf.get("faulty.mode", "");
        paths = Pattern.compile(conf.get("faulty.paths", ".*"));
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    private void checkWritable(Path p) throws IOException {
        if ("read-only".equals(mode)) {
            throw new AccessDeniedException(p.toString(), null, "Read-only file system");
        }
    }

    private FSDataOutputStream maybeFull(Path p, FSDataOutputStream out) throws IOException {
        if (!"full".equals(mode) || !paths.matcher(p.toString()).matches()) {
            return out;
        }
        OutputStream failing =
                new FilterOutputStream(out) {
                    private int written;

                    @Override
                    public void write(int b) throws IOException {
                        if (++written > 16) {
                            throw new IOException("No space left on device: " + p);
                        }
                        super.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        for (int i = 0; i < len; i++) {
                            write(b[off + i]);
                        }
                    }
                };
        return new FSDataOutputStream(failing, null);
    }

    @Override
    public FSDataOutputStream create(
            Path f,
            FsPermission permission,
            boolean overwrite,
            int bufferSize,
            short replication,
            long blockSize,
            Progressable progress)
            throws IOException {
        checkWritable(f);
        return maybeFull(
                f,
                super.create(
                        f, permission, overwrite, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream create(
            Path f,
            boolean overwrite,
            int bufferSize,
            short replication,
            long blockSize,
            Progressable progress)
            throws IOException {
        checkWritable(f);
        return maybeFull(
                f, super.create(f, overwrite, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream createNonRecursive(
            Path f,
            FsPermission permission,
            java.util.EnumSet<org.apache.hadoop.fs.CreateFlag> flags,
            int bufferSize,
            short replication,
            long blockSize,
            Progressable progress)
            throws IOException {
        checkWritable(f);
        return maybeFull(
                f,
                super.createNonRecursive(
                        f, permission, flags, bufferSize, replication, blockSize, progress));
    }

    @Override
    public FSDataOutputStream append(Path f, int bufferSize, Progressable progress)
            throws IOException {
        checkWritable(f);
        return maybeFull(f, super.append(f, bufferSize, progress));
    }

    @Override
    public boolean mkdirs(Path f, FsPermission permission) throws IOException {
        if (!exists(f)) {
            checkWritable(f);
        }
        return super.mkdirs(f, permission);
    }

    @Override
    public boolean mkdirs(Path f) throws IOException {
        if (!exists(f)) {
            checkWritable(f);
        }
        return super.mkdirs(f);
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        checkWritable(dst);
        return super.rename(src, dst);
    }

    @Override
    public boolean delete(Path p, boolean recursive) throws IOException {
        checkWritable(p);
        return super.delete(p, recursive);
    }

    /** The same file system for {@code FileContext} (atomic renames go through it). */
    public static final class Abstract extends DelegateToFileSystem {
        public Abstract(URI uri, Configuration conf) throws IOException, URISyntaxException {
            super(uri, new FaultyFileSystem(), conf, SCHEME, false);
        }
    }
}
