package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.outer.MetaState;

/**
 * Checkpoint format version 1 and the resume rules: only a checkpoint with its completion marker
 * counts, a half-written newer one is skipped, and every malformed state.bin is a one-line
 * INVALID_CHECKPOINT error, never another exception.
 */
class CheckpointsTest {
    private static final Configuration CONF = new Configuration();
    private static final String SOURCE = "file:/run/checkpoints/iter-000003/state.bin";

    static MetaState sample(long iteration) {
        TreeMap<String, float[]> arrays = new TreeMap<>();
        arrays.put(MetaState.VALUE_WEIGHTS, new float[] {1.5f, -0f, 3e-39f, iteration});
        arrays.put(MetaState.SCALER_MEAN, new float[] {0f, -Float.MAX_VALUE});
        arrays.put("empty", new float[0]);
        TreeMap<String, Long> counters = new TreeMap<>();
        counters.put("tasks_run", 12L * iteration);
        counters.put("min", Long.MIN_VALUE);
        return new MetaState(iteration, "0123456789abcdef", arrays, counters);
    }

    private static String runDir(Path dir) {
        return dir.toUri().toString().replaceAll("/+$", "");
    }

    private static int[] bits(float[] a) {
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = Float.floatToRawIntBits(a[i]);
        }
        return out;
    }

    private static void assertSameState(MetaState actual, MetaState expected) {
        assertThat(actual.iteration()).isEqualTo(expected.iteration());
        assertThat(actual.configFingerprint()).isEqualTo(expected.configFingerprint());
        assertThat(actual.arrays().keySet()).containsExactlyElementsOf(expected.arrays().keySet());
        for (String name : expected.arrays().keySet()) {
            assertThat(bits(actual.array(name)))
                    .as(name)
                    .containsExactly(bits(expected.array(name)));
        }
        assertThat(actual.counters()).isEqualTo(expected.counters());
    }

    private static void assertInvalid(Runnable r, String... fragments) {
        assertThatThrownBy(r::run)
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> {
                            assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_CHECKPOINT);
                            assertThat(e.getMessage()).doesNotContain("\n");
                            for (String f : fragments) {
                                assertThat(e.getMessage()).contains(f);
                            }
                        });
    }

    /** Bytes of a hand-written header: magic, version, then whatever {@code rest} writes. */
    private static byte[] header(int magic, int version, IoBody rest) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            out.writeInt(version);
            rest.write(out);
        }
        return bytes.toByteArray();
    }

    private interface IoBody {
        void write(DataOutputStream out) throws IOException;
    }

    @Test
    void encodeDecodeRoundTripsBitForBit() {
        // The format itself keeps every float bit pattern, non-finite ones included ...
        MetaState s =
                sample(3)
                        .with(3, "specials", new float[] {Float.NaN, Float.NEGATIVE_INFINITY, -0f});
        MetaState back = Checkpoints.decode(Checkpoints.encode(s), SOURCE);
        assertSameState(back, s);
        assertThat(Checkpoints.encode(back)).containsExactly(Checkpoints.encode(s));
    }

    @Test
    void aStateWithANaNOrInfinityIsNeverWrittenAndThePreviousCheckpointStays(@TempDir Path dir) {
        // ... but write refuses them: a NaN in a checkpoint would poison every resumed run.
        String run = runDir(dir);
        Checkpoints.write(CONF, run, sample(1));
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            MetaState poisoned = sample(2).with(2, MetaState.VALUE_WEIGHTS, new float[] {1f, bad});
            assertThatThrownBy(() -> Checkpoints.write(CONF, run, poisoned))
                    .isInstanceOf(MetricOptException.class)
                    .hasMessageContaining(MetaState.VALUE_WEIGHTS + "[1] = " + bad)
                    .hasMessageContaining("iter-000002");
        }
        assertThat(dir.resolve("checkpoints/iter-000002")).doesNotExist();
        assertSameState(Checkpoints.latest(CONF, run).orElseThrow(), sample(1));
    }

    @Test
    void encodingStartsWithMagicAndVersion() {
        byte[] b = Checkpoints.encode(sample(1));
        assertThat(Arrays.copyOf(b, 4)).containsExactly('M', 'O', 'P', 'T');
        assertThat(Arrays.copyOfRange(b, 4, 8))
                .containsExactly(0, 0, 0, Checkpoints.FORMAT_VERSION);
    }

    @Test
    void writeThenLatestOnALocalFileSystem(@TempDir Path dir) {
        String run = runDir(dir);
        assertThat(Checkpoints.latest(CONF, run)).isEmpty();
        Checkpoints.write(CONF, run, sample(2));
        String newest = Checkpoints.write(CONF, run, sample(4));
        assertThat(newest).endsWith("/checkpoints/iter-000004");
        assertThat(Path.of(dir.toString(), "checkpoints", "iter-000004", Checkpoints.COMPLETE))
                .exists();
        Optional<MetaState> latest = Checkpoints.latest(CONF, run);
        assertThat(latest).isPresent();
        assertSameState(latest.get(), sample(4));
    }

    @Test
    void latestSkipsAHalfWrittenNewerCheckpointAndUsesThePreviousOne(@TempDir Path dir)
            throws IOException {
        String run = runDir(dir);
        Checkpoints.write(CONF, run, sample(2));
        // A driver killed between state.bin and _COMPLETE: the bytes are there, the marker not.
        HadoopFiles.writeAtomically(
                CONF,
                Checkpoints.directory(run, 3) + "/" + Checkpoints.STATE,
                Checkpoints.encode(sample(3)));
        // A directory created but nothing written yet, and unrelated entries.
        Files.createDirectories(dir.resolve("checkpoints/iter-000005"));
        Files.createDirectories(dir.resolve("checkpoints/not-a-checkpoint"));
        Files.writeString(dir.resolve("checkpoints/iter-000009"), "a file, not a directory");
        MetaState latest = Checkpoints.latest(CONF, run).orElseThrow();
        assertSameState(latest, sample(2));
    }

    @Test
    void latestOrdersByIterationNumberNotByName(@TempDir Path dir) {
        String run = runDir(dir);
        Checkpoints.write(CONF, run, sample(999_999));
        Checkpoints.write(CONF, run, sample(1_000_000));
        assertThat(Checkpoints.latest(CONF, run).orElseThrow().iteration()).isEqualTo(1_000_000);
    }

    @Test
    void aCompleteCheckpointWhoseBytesDoNotMatchItsMarkerIsAnError(@TempDir Path dir) {
        String run = runDir(dir);
        Checkpoints.write(CONF, run, sample(2));
        String ck = Checkpoints.write(CONF, run, sample(3));
        byte[] other = Checkpoints.encode(sample(7));
        HadoopFiles.writeAtomically(CONF, ck + "/" + Checkpoints.STATE, other);
        // Never silently fall back: the user must see that iteration 3 is damaged.
        assertInvalid(() -> Checkpoints.latest(CONF, run), "iter-000003", "checksum");
        assertInvalid(() -> Checkpoints.read(CONF, ck), "iter-000003", Checkpoints.COMPLETE);
    }

    @Test
    void decodeRejectsBadMagic() throws IOException {
        byte[] b = header(0x12345678, 1, out -> {});
        assertInvalid(() -> Checkpoints.decode(b, SOURCE), SOURCE, "magic");
    }

    @Test
    void decodeRejectsAnUnknownVersionNamingItAndTheFile() throws IOException {
        byte[] b = Checkpoints.encode(sample(1));
        b[7] = 2;
        assertInvalid(() -> Checkpoints.decode(b, SOURCE), SOURCE, "version 2", "version 1");
    }

    @Test
    void decodeRejectsTruncatedBytes() {
        byte[] full = Checkpoints.encode(sample(1));
        for (int len : new int[] {0, 3, 7, 12, full.length / 2, full.length - 1}) {
            byte[] b = Arrays.copyOf(full, len);
            assertInvalid(() -> Checkpoints.decode(b, SOURCE), SOURCE);
        }
        assertInvalid(() -> Checkpoints.decode(Arrays.copyOf(full, 10), SOURCE), "truncated");
    }

    @Test
    void decodeRejectsTrailingBytes() {
        byte[] full = Checkpoints.encode(sample(1));
        byte[] b = Arrays.copyOf(full, full.length + 3);
        assertInvalid(() -> Checkpoints.decode(b, SOURCE), SOURCE, "3 unexpected trailing bytes");
    }

    @Test
    void decodeRejectsAbsurdCounts() throws IOException {
        byte[] arrays =
                header(
                        0x4d4f5054,
                        1,
                        out -> {
                            out.writeUTF("fp");
                            out.writeLong(1);
                            out.writeInt(-1);
                        });
        assertInvalid(() -> Checkpoints.decode(arrays, SOURCE), "-1 arrays");
        byte[] huge =
                header(
                        0x4d4f5054,
                        1,
                        out -> {
                            out.writeUTF("fp");
                            out.writeLong(1);
                            out.writeInt(1);
                            out.writeUTF("w");
                            out.writeInt(Integer.MAX_VALUE);
                        });
        assertInvalid(() -> Checkpoints.decode(huge, SOURCE), "array w claims");
    }

    @Test
    void fuzzedBytesGiveAStateOrAnInvalidCheckpointErrorAndNothingElse() {
        byte[] valid = Checkpoints.encode(sample(5));
        Random rng = new Random(20240611L);
        assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> {
                    int decoded = 0;
                    for (int i = 0; i < 300; i++) {
                        byte[] b;
                        switch (i % 3) {
                            case 0 -> {
                                b = new byte[rng.nextInt(200)];
                                rng.nextBytes(b);
                                if (b.length >= 8 && rng.nextBoolean()) {
                                    // Valid magic and version reach the deeper parsing code.
                                    System.arraycopy(valid, 0, b, 0, 8);
                                }
                            }
                            case 1 -> b = Arrays.copyOf(valid, rng.nextInt(valid.length + 1));
                            default -> {
                                b = valid.clone();
                                for (int k = 1 + rng.nextInt(3); k > 0; k--) {
                                    b[rng.nextInt(b.length)] = (byte) rng.nextInt(256);
                                }
                            }
                        }
                        byte[] input = b;
                        try {
                            MetaState s = Checkpoints.decode(input, SOURCE);
                            assertThat(s).isNotNull();
                            decoded++;
                        } catch (MetricOptException e) {
                            assertThat(e.errorClass())
                                    .as("case %d", i)
                                    .isEqualTo(ErrorClass.INVALID_CHECKPOINT);
                        }
                    }
                    // Only a few flipped bytes inside float values still decode.
                    assertThat(decoded).isLessThan(300);
                });
    }
}
