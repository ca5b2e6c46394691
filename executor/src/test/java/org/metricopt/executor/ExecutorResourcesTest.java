package org.metricopt.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.IdxTestFiles;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * An executor refuses data other than what the driver validated (a dataset replaced or vanished
 * during the run, or a node with another copy), and never shows credentials when its context is
 * logged.
 */
class ExecutorResourcesTest {
    @TempDir Path tmp;

    @AfterEach
    void clear() {
        ExecutorResources.clear();
    }

    @Test
    void refusesADatasetWhoseChecksumDiffersFromTheDriversAndNamesIt() {
        IdxTestFiles.writeFashionMnist(tmp, 50, 20, false, 7L);
        MetricOptConfig config =
                ConfigLoader.load(
                        null, List.of("data.root=\"" + tmp + "\"", "data.pretrain-count=10"));
        ExecutorContext ctx =
                ExecutorContext.of(
                        config, tmp.resolve("theta").toString(), Map.of(), "0".repeat(64));
        MetricOptException e =
                catchThrowableOfType(() -> ExecutorResources.runner(ctx), MetricOptException.class);
        assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_DATASET);
        assertThat(e.getMessage())
                .contains(tmp.toString())
                .contains("than the driver validated (sha256 " + "0".repeat(64) + ")");
    }

    @Test
    void aLoggedContextMasksCredentials() {
        MetricOptConfig config = ConfigLoader.load(null, List.of());
        ExecutorContext ctx =
                ExecutorContext.of(
                        config,
                        "s3a://AKIA:hunter2secret@bucket/theta",
                        Map.of("fs.s3a.secret.key", "hunter2secret", "fs.s3a.endpoint", "x"),
                        null);
        assertThat(ctx.toString()).doesNotContain("hunter2secret").contains("fs.s3a.endpoint=x");
    }
}
