package org.metricopt.driver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.driver.testing.DriverProcess;
import org.metricopt.driver.testing.TinyConf;

/**
 * A driver stopped by SIGTERM in the middle of meta-training, as a scheduler or a cluster manager
 * stops one, leaves {@code status.json} saying {@code interrupted} with exit code 143 and the last
 * complete checkpoint, not {@code running} forever.
 */
class RunStatusInterruptTest {

    @Test
    void sigtermMidRunLeavesAnInterruptedStatusWithTheLastCompleteCheckpoint(@TempDir Path tmp)
            throws Exception {
        Path conf = TinyConf.write(tmp, "meta-train { iterations = 400, tasks-per-iteration = 2 }");
        Path run = tmp.resolve("run");
        Path log = tmp.resolve("driver.log");
        Process driver =
                DriverProcess.start(
                        log,
                        List.of(),
                        "meta-train",
                        "--conf",
                        conf.toString(),
                        "--run-dir",
                        run.toString());
        Path firstCheckpoint = run.resolve("checkpoints/iter-000001/_COMPLETE");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.exists(firstCheckpoint) && driver.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(firstCheckpoint)
                .as(Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "no log")
                .exists();
        assertThat(driver.isAlive()).as("still training").isTrue();
        driver.destroy(); // SIGTERM
        assertThat(driver.waitFor(2, TimeUnit.MINUTES)).as("driver stopped").isTrue();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(driver.exitValue()).as(out).isEqualTo(RunStatus.INTERRUPTED_EXIT_CODE);

        JsonNode status = new ObjectMapper().readTree(run.resolve(RunStatus.FILE).toFile());
        assertThat(status.get("state").asText()).as(status.toString()).isEqualTo("interrupted");
        assertThat(status.get("command").asText()).isEqualTo("meta-train");
        assertThat(status.get("exit_code").asInt()).isEqualTo(143);
        assertThat(status.get("message").asText()).contains("--resume");
        assertThat(status.get("last_complete_checkpoint").asText()).contains("checkpoints/iter-");
    }
}
