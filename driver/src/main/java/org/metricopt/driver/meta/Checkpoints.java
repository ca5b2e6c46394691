package org.metricopt.driver.meta;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.Digests;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.outer.MetaState;

/**
 * Checkpoints of the meta-state under {@code <run>/checkpoints/iter-NNNNNN/} on any Hadoop file
 * system. {@code state.bin} is written atomically first; then {@code _COMPLETE}, holding the
 * SHA-256 of state.bin, marks the checkpoint as valid. A checkpoint without its marker is ignored
 * on resume, so a driver killed mid-write loses nothing. A checkpoint with its marker whose bytes
 * do not match it was damaged after it was written: that is an INVALID_CHECKPOINT error naming the
 * directory, never a silent fall-back to an older checkpoint (meta-test would then report numbers
 * of another iteration without saying so).
 *
 * <p>state.bin format, version 1: magic "MOPT", int version, UTF fingerprint, long iteration, int
 * n, n x (UTF name, int length, floats), int m, m x (UTF name, long value).
 */
public final class Checkpoints {
    public static final int FORMAT_VERSION = 1;
    public static final String STATE = "state.bin";
    public static final String COMPLETE = "_COMPLETE";
    private static final int MAGIC = 0x4d4f5054;
    private static final int MAX_ARRAY = 1 << 28;
    private static final Pattern ITERATION_DIR = Pattern.compile("iter-(\\d{6,})");

    private Checkpoints() {}

    /**
     * Test hook for the process-level fault test: with {@code
     * -Dmetricopt.test.haltInCheckpointWrite =N} the JVM dies abruptly (as with SIGKILL: no
     * shutdown hooks, no finally blocks) after the state of checkpoint N is written and before its
     * completion marker, the most delicate moment of a checkpoint write.
     */
    static final String HALT_PROPERTY = "metricopt.test.haltInCheckpointWrite";

    private static void haltIfAsked(long iteration) {
        String at = System.getProperty(HALT_PROPERTY);
        if (at != null && at.equals(Long.toString(iteration))) {
            System.err.println("metricopt: test hook: halting inside checkpoint " + iteration);
            System.err.flush();
            Runtime.getRuntime().halt(137);
        }
    }

    public static String directory(String runDir, long iteration) {
        return String.format("%s/checkpoints/iter-%06d", runDir, iteration);
    }

    /** Writes the state as the checkpoint of {@code state.iteration()}; returns its directory. */
    public static String write(Configuration conf, String runDir, MetaState state) {
        String dir = directory(runDir, state.iteration());
        // The last guard: whatever went wrong upstream, a NaN or infinity is never persisted (a
        // resumed run would carry it on forever); the previous checkpoint stays the latest.
        for (var e : state.arrays().entrySet()) {
            float[] a = e.getValue();
            for (int i = 0; i < a.length; i++) {
                if (!Float.isFinite(a[i])) {
                    throw new MetricOptException(
                            ErrorClass.INTERNAL,
                            "refusing to write checkpoint "
                                    + dir
                                    + ": "
                                    + e.getKey()
                                    + "["
                                    + i
                                    + "] = "
                                    + a[i]
                                    + " is not finite; the previous checkpoint is kept");
                }
            }
        }
        byte[] bytes = encode(state);
        HadoopFiles.writeAtomically(conf, dir + "/" + STATE, bytes);
        haltIfAsked(state.iteration());
        HadoopFiles.writeAtomically(conf, dir + "/" + COMPLETE, Digests.sha256(bytes) + "\n");
        return dir;
    }

    /**
     * The newest checkpoint that has its completion marker, verified against it; empty when there
     * is none. Directories without the marker (a write that never finished) are skipped; a marked
     * checkpoint whose bytes are damaged throws INVALID_CHECKPOINT.
     */
    public static Optional<MetaState> latest(Configuration conf, String runDir) {
        return latestCompleteDirectory(conf, runDir).map(dir -> read(conf, dir));
    }

    /**
     * The directory of the newest checkpoint that has its completion marker (not yet verified
     * against it); empty when there is none.
     */
    public static Optional<String> latestCompleteDirectory(Configuration conf, String runDir) {
        Path root = new Path(runDir + "/checkpoints");
        FileSystem fs = HadoopFiles.fs(conf, runDir);
        FileStatus[] dirs;
        try {
            if (!fs.exists(root)) {
                return Optional.empty();
            }
            dirs = fs.listStatus(root);
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot list " + root, e);
        }
        // By iteration number, newest first: names are zero-padded to six digits only, so from
        // iteration 1000000 on their text order is no longer their numeric order.
        List<FileStatus> candidates = new ArrayList<>();
        for (FileStatus d : dirs) {
            if (d.isDirectory() && ITERATION_DIR.matcher(d.getPath().getName()).matches()) {
                candidates.add(d);
            }
        }
        candidates.sort(
                Comparator.comparing((FileStatus d) -> iterationOf(d.getPath().getName()))
                        .reversed());
        for (FileStatus d : candidates) {
            String dir = d.getPath().toString();
            if (HadoopFiles.exists(conf, dir + "/" + COMPLETE)) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    private static BigInteger iterationOf(String dirName) {
        Matcher m = ITERATION_DIR.matcher(dirName);
        if (!m.matches()) {
            throw new IllegalArgumentException(dirName + " is not a checkpoint directory name");
        }
        return new BigInteger(m.group(1));
    }

    /** Reads and verifies one checkpoint directory. */
    public static MetaState read(Configuration conf, String dir) {
        String marker = HadoopFiles.readString(conf, dir + "/" + COMPLETE).trim();
        byte[] bytes = HadoopFiles.read(conf, dir + "/" + STATE);
        if (!Digests.sha256(bytes).equals(marker)) {
            throw corrupt(
                    dir + "/" + STATE,
                    "does not match the checksum in "
                            + COMPLETE
                            + "; delete "
                            + dir
                            + " to resume from the checkpoint before it");
        }
        return decode(bytes, dir + "/" + STATE);
    }

    public static byte[] encode(MetaState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(FORMAT_VERSION);
            out.writeUTF(s.configFingerprint());
            out.writeLong(s.iteration());
            out.writeInt(s.arrays().size());
            for (var e : s.arrays().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                for (float v : e.getValue()) {
                    out.writeFloat(v);
                }
            }
            out.writeInt(s.counters().size());
            for (var e : s.counters().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue());
            }
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
        return bytes.toByteArray();
    }

    /** Decodes state bytes; any malformed input gives a one-line INVALID_CHECKPOINT error. */
    public static MetaState decode(byte[] bytes, String source) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            if (in.readInt() != MAGIC) {
                throw corrupt(source, "is not a MetricOpt checkpoint (bad magic number)");
            }
            int version = in.readInt();
            if (version != FORMAT_VERSION) {
                throw corrupt(
                        source,
                        "has format version "
                                + version
                                + "; this build reads version "
                                + FORMAT_VERSION);
            }
            String fingerprint = in.readUTF();
            long iteration = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > 1024) {
                throw corrupt(source, "claims " + n + " arrays");
            }
            TreeMap<String, float[]> arrays = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                int len = in.readInt();
                if (len < 0 || len > MAX_ARRAY || (long) len * 4 > in.available()) {
                    throw corrupt(source, "array " + name + " claims " + len + " values");
                }
                float[] a = new float[len];
                for (int k = 0; k < len; k++) {
                    a[k] = in.readFloat();
                }
                arrays.put(name, a);
            }
            int m = in.readInt();
            if (m < 0 || m > 1024) {
                throw corrupt(source, "claims " + m + " counters");
            }
            TreeMap<String, Long> counters = new TreeMap<>();
            for (int i = 0; i < m; i++) {
                counters.put(in.readUTF(), in.readLong());
            }
            if (in.available() > 0) {
                throw corrupt(source, "has " + in.available() + " unexpected trailing bytes");
            }
            return new MetaState(iteration, fingerprint, arrays, counters);
        } catch (EOFException e) {
            throw corrupt(source, "is truncated");
        } catch (IOException e) {
            throw corrupt(source, "cannot be decoded: " + e.getMessage());
        }
    }

    private static MetricOptException corrupt(String source, String what) {
        return new MetricOptException(
                ErrorClass.INVALID_CHECKPOINT, "checkpoint " + source + " " + what);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
