package org.metricopt.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.driver.jupyter.KernelSpec;
import org.metricopt.driver.jupyter.MetricOptKernel;

/**
 * {@code metricopt jupyter install} writes a kernelspec whose argv starts the MetricOpt kernel on
 * this classpath with Spark's JVM flags, and rejects bad arguments with exit 2 and one line.
 */
class JupyterInstallTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Result(int exitCode, String stderr) {}

    private static Result execute(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Result(MetricOptMain.execute(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    @Test
    void installWritesAKernelspecThatStartsTheKernelOnThisClasspath(@TempDir Path tmp)
            throws IOException {
        Result r =
                execute(
                        "jupyter",
                        "install",
                        "--prefix",
                        tmp.toString(),
                        "--master",
                        "spark://127.0.0.1:7077");
        assertThat(r.exitCode()).as(r.stderr()).isZero();

        JsonNode spec =
                JSON.readTree(tmp.resolve("share/jupyter/kernels/metricopt/kernel.json").toFile());
        List<String> argv = new ArrayList<>();
        spec.get("argv").forEach(a -> argv.add(a.asText()));
        assertThat(argv.get(0)).endsWith("/bin/java");
        assertThat(argv)
                .contains("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "-Dai.djl.offline=true")
                .containsSubsequence("-cp", System.getProperty("java.class.path"))
                .endsWith(MetricOptKernel.class.getName(), "{connection_file}");
        assertThat(spec.get("language").asText()).isEqualTo("java");
        assertThat(spec.get("display_name").asText()).isEqualTo(KernelSpec.DEFAULT_DISPLAY_NAME);
        assertThat(spec.get("interrupt_mode").asText()).isEqualTo("message");
        assertThat(spec.get("env").get("METRICOPT_SPARK_MASTER").asText())
                .isEqualTo("spark://127.0.0.1:7077");

        // Installing again replaces the kernelspec; without --master the env names none.
        assertThat(execute("jupyter", "install", "--prefix", tmp.toString()).exitCode()).isZero();
        spec = JSON.readTree(tmp.resolve("share/jupyter/kernels/metricopt/kernel.json").toFile());
        assertThat(spec.get("env").size()).isZero();
    }

    @Test
    void theNameChoosesTheKernelDirectory(@TempDir Path tmp) {
        Result r =
                execute(
                        "jupyter",
                        "install",
                        "--prefix",
                        tmp.toString(),
                        "--name",
                        "metricopt-cluster",
                        "--display-name",
                        "MetricOpt on the cluster");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(tmp.resolve("share/jupyter/kernels/metricopt-cluster/kernel.json"))
                .isRegularFile();
    }

    @Test
    void badArgumentsExitWithTwoAndOneErrorLine(@TempDir Path tmp) {
        for (String[] args :
                List.of(
                        new String[] {"jupyter", "install", "--user", "--prefix", tmp.toString()},
                        new String[] {
                            "jupyter", "install", "--prefix", tmp.toString(), "--name", "a b"
                        },
                        new String[] {
                            "jupyter", "install", "--prefix", tmp.toString(), "--master", " "
                        },
                        new String[] {"jupyter", "install", "--frobnicate"},
                        new String[] {"jupyter", "uninstall"})) {
            Result r = execute(args);
            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(2);
            assertThat(r.stderr().lines().toList())
                    .as(String.join(" ", args))
                    .singleElement()
                    .asString()
                    .startsWith("metricopt: error: ");
        }
        assertThat(tmp.resolve("share")).as("nothing installed on bad input").doesNotExist();
    }

    @Test
    void userKernelsLiveInJupytersDataDirectory() {
        assertThat(KernelSpec.kernelsDirectory("/opt/venv"))
                .isEqualTo(Path.of("/opt/venv/share/jupyter/kernels"));
        Path user = KernelSpec.kernelsDirectory(null);
        String dataDir = System.getenv("JUPYTER_DATA_DIR");
        if (dataDir == null || dataDir.isBlank()) {
            assertThat(user.toString())
                    .endsWith("jupyter/kernels")
                    .startsWith(System.getProperty("user.home"));
        } else {
            assertThat(user).isEqualTo(Path.of(dataDir, "kernels"));
        }
    }
}
