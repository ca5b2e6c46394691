package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.outer.MetaState;
import org.metricopt.driver.cli.MetricOptMain;
import org.metricopt.driver.testing.DriverProcess;
import org.metricopt.driver.testing.TinyConf;

/**
 * The "driver killed in the middle of a checkpoint write" fault, at process level: a real driver
 * JVM running joint meta-training (value function and learned optimizer) dies abruptly between
 * writing checkpoint 2's state and its completion marker. The previous checkpoint stays readable,
 * and {@code --resume} continues from it to bit-for-bit the same final parameters as a run that was
 * never interrupted.
 */
class DriverKilledMidCheckpointTest {
    private static Path tinyConf(Path dir) throws IOException {
        return TinyConf.write(
                dir,
                "meta-train { iterations = 3, tasks-per-iteration = 2 }",
                "learned-optimizer { enabled = true, hidden = 4, pairs-per-task = 1 }");
    }

    @Test
    void theLastCompleteCheckpointSurvivesAndResumeReachesTheSameFinalState(@TempDir Path tmp)
            throws Exception {
        Path conf = tinyConf(tmp);

        // The reference: three iterations, never interrupted.
        Path reference = tmp.resolve("reference");
        assertThat(
                        MetricOptMain.execute(
                                "meta-train",
                                "--conf",
                                conf.toString(),
                                "--run-dir",
                                reference.toString()))
                .isZero();

        // A driver JVM of its own, killed inside the write of checkpoint 2.
        Path run = tmp.resolve("run");
        Path log = tmp.resolve("driver.log");
        Process driver =
                DriverProcess.start(
                        log,
                        List.of(Checkpoints.HALT_PROPERTY + "=2"),
                        "meta-train",
                        "--conf",
                        conf.toString(),
                        "--run-dir",
                        run.toString());
        assertThat(driver.waitFor(5, TimeUnit.MINUTES)).as("driver finished").isTrue();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(driver.exitValue()).as(out).isEqualTo(137);
        assertThat(out).contains("halting inside checkpoint 2");

        // Killed between state.bin and its marker: checkpoint 2 is there but incomplete, and the
        // latest readable checkpoint is 1.
        assertThat(run.resolve("checkpoints/iter-000002/" + Checkpoints.STATE)).isRegularFile();
        assertThat(run.resolve("checkpoints/iter-000002/" + Checkpoints.COMPLETE)).doesNotExist();
        Configuration hadoop = new Configuration();
        String runUri = run.toUri().toString().replaceAll("/+$", "");
        assertThat(Checkpoints.latest(hadoop, runUri).orElseThrow().iteration()).isEqualTo(1);

        // --resume continues from checkpoint 1 to the same final parameters.
        assertThat(
                        MetricOptMain.execute(
                                "meta-train",
                                "--resume",
                                "--conf",
                                conf.toString(),
                                "--run-dir",
                                run.toString()))
                .isZero();
        Path finalState = Path.of("checkpoints/iter-000003/" + Checkpoints.STATE);
        assertThat(run.resolve(finalState))
                .hasBinaryContent(Files.readAllBytes(reference.resolve(finalState)));
        MetaState state = Checkpoints.latest(hadoop, runUri).orElseThrow();
        assertThat(state.iteration()).isEqualTo(3);
        assertThat(state.has(MetaState.LEARNED_WEIGHTS)).isTrue();
    }
}
