package org.metricopt.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.errors.MetricOptException;

/**
 * Feeds the reader random, truncated and mutated files: each must parse or fail with a {@link
 * MetricOptException}, never another exception, and never hang.
 */
class IdxFuzzTest {
    private static final int CASES = 300;

    @TempDir Path dir;

    @Test
    void everyInputParsesOrFailsCleanly() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), this::fuzz);
    }

    private void fuzz() {
        SplittableRandom random = new SplittableRandom(20210611);
        Configuration conf = new Configuration();
        int parsed = 0;
        int rejected = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] input = input(random);
            boolean images = random.nextBoolean();
            String name = "case" + i;
            try {
                assertThat(read(conf, name, input, images, i % 4 == 0)).isNotNull();
                parsed++;
            } catch (MetricOptException e) {
                assertThat(e.getMessage()).isNotBlank().doesNotContain("\n");
                rejected++;
            }
        }
        // The generator must exercise both outcomes, or the test proves little.
        assertThat(parsed).isGreaterThan(10);
        assertThat(rejected).isGreaterThan(100);
    }

    /** Reads {@code input} from a stream, or from a file (where its length is known). */
    private Object read(
            Configuration conf, String name, byte[] input, boolean images, boolean viaFile) {
        if (viaFile) {
            String file = IdxTestFiles.write(dir, name, input, false).toString();
            return images ? IdxReader.readImages(conf, file) : IdxReader.readLabels(conf, file);
        }
        ByteArrayInputStream in = new ByteArrayInputStream(input);
        return images ? IdxReader.readImages(in, name) : IdxReader.readLabels(in, name);
    }

    /** Random bytes, or a valid file (plain or gzipped) that is truncated, extended or mutated. */
    private static byte[] input(SplittableRandom random) {
        int kind = random.nextInt(5);
        if (kind == 0) {
            byte[] noise = new byte[random.nextInt(64)];
            random.nextBytes(noise);
            if (noise.length >= 2 && random.nextBoolean()) {
                noise[0] = 0x1f;
                noise[1] = (byte) 0x8b;
            }
            return noise;
        }
        byte[] valid =
                random.nextBoolean()
                        ? IdxTestFiles.imageBytes(
                                IdxTestFiles.randomImages(
                                        random,
                                        random.nextInt(4),
                                        random.nextInt(1, 6),
                                        random.nextInt(1, 6)))
                        : IdxTestFiles.labelBytes(
                                IdxTestFiles.randomLabels(random, random.nextInt(20), 256));
        if (random.nextBoolean()) {
            valid = IdxTestFiles.gzip(valid);
        }
        switch (kind) {
            case 1:
                return Arrays.copyOf(valid, random.nextInt(valid.length + 1));
            case 2:
                return Arrays.copyOf(valid, valid.length + random.nextInt(1, 8));
            case 3:
                byte[] mutated = valid.clone();
                for (int flips = random.nextInt(1, 4); flips > 0; flips--) {
                    mutated[random.nextInt(mutated.length)] ^= (byte) (1 << random.nextInt(8));
                }
                return mutated;
            default:
                return valid;
        }
    }
}
