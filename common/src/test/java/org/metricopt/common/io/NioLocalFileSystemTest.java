package org.metricopt.common.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local file system without forked chmod: permissions land as Hadoop's own would set them, and
 * it is still Hadoop's checksummed local file system.
 */
class NioLocalFileSystemTest {
    @TempDir java.nio.file.Path tmp;

    @Test
    void modesAreThoseOfChmodWithAFourDigitOctalMode() {
        for (int bits = 0; bits <= 01777; bits++) {
            FsPermission p = new FsPermission((short) bits);
            assertThat(NioLocalFileSystem.mode(p, 06777, false)).as("%o", bits).isEqualTo(bits);
            // A directory keeps its set-user-ID and set-group-ID bits, as chmod 0NNN leaves them.
            assertThat(NioLocalFileSystem.mode(p, 06000, true)).isEqualTo(bits | 06000);
            assertThat(NioLocalFileSystem.mode(p, 02000, true)).isEqualTo(bits | 02000);
            assertThat(NioLocalFileSystem.mode(p, 0777, true)).isEqualTo(bits);
        }
    }

    @Test
    void aGroupSharedDirectoryStaysShared() throws Exception {
        Configuration conf = conf();
        try (FileSystem fs = FileSystem.get(tmp.toUri(), conf)) {
            java.nio.file.Path shared = tmp.resolve("shared");
            Files.createDirectory(shared);
            Files.setAttribute(shared, "unix:mode", 02775);
            assertThat(fs.mkdirs(new Path(shared.toUri().toString(), "run/logs"))).isTrue();
            fs.setPermission(new Path(shared.toUri()), new FsPermission((short) 0750));
            assertThat(mode(shared)).isEqualTo(02750);
            // New directories inherit the bit (Linux), and keep it through their own chmod.
            assertThat(mode(shared.resolve("run/logs"))).isEqualTo(02755);
            Path file = new Path(shared.toUri().toString(), "run/f");
            fs.create(file, new FsPermission((short) 0640), true, 4096, (short) 1, 1 << 20, null)
                    .close();
            assertThat(mode(shared.resolve("run/f"))).isEqualTo(0640);
            fs.setPermission(file, new FsPermission((short) 01644));
            assertThat(mode(shared.resolve("run/f"))).isEqualTo(01644);
        }
    }

    private Configuration conf() {
        Configuration conf = new Configuration();
        conf.set("fs.file.impl", NioLocalFileSystem.class.getName());
        conf.set("fs.file.impl.disable.cache", "true");
        conf.set("fs.permissions.umask-mode", "022");
        return conf;
    }

    private static int mode(java.nio.file.Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode") & 07777;
    }

    @Test
    void setsPermissionsOfCreatedFilesAndDirectories() throws Exception {
        Configuration conf = conf();
        conf.set("fs.permissions.umask-mode", "000");
        try (FileSystem fs = FileSystem.get(tmp.toUri(), conf)) {
            assertThat(fs).isInstanceOf(NioLocalFileSystem.class);
            Path dir = new Path(tmp.toUri().toString(), "a/b");
            assertThat(fs.mkdirs(dir, new FsPermission((short) 0750))).isTrue();
            assertThat(posix(dir)).isEqualTo("rwxr-x---");

            Path file = new Path(dir, "f.txt");
            try (FSDataOutputStream out =
                    fs.create(
                            file,
                            new FsPermission((short) 0640),
                            true,
                            4096,
                            (short) 1,
                            1 << 20,
                            null)) {
                out.write("hello".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(posix(file)).isEqualTo("rw-r-----");
            assertThat(fs.getFileStatus(file).getPermission())
                    .isEqualTo(new FsPermission((short) 0640));

            fs.setPermission(file, new FsPermission((short) 0604));
            assertThat(posix(file)).isEqualTo("rw----r--");
            // Still the checksummed local file system: the data has its .crc beside it.
            assertThat(Files.exists(tmp.resolve("a/b/.f.txt.crc"))).isTrue();
            try (var in = fs.open(file)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("hello");
            }
        }
    }

    private static String posix(Path p) throws Exception {
        return PosixFilePermissions.toString(
                Files.getPosixFilePermissions(java.nio.file.Path.of(p.toUri())));
    }
}
