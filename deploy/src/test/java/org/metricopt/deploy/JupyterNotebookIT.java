package org.metricopt.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/notebooks/explore.ipynb} runs headlessly on the MetricOpt kernel with a real
 * Jupyter client (nbclient, via {@code deploy/notebooks/execute.py}): a small run is trained with
 * {@code deploy/bin/metricopt run}, the kernel is installed with {@code deploy/bin/metricopt
 * jupyter install --prefix}, and the notebook must finish without an error, with its plots as
 * {@code image/png} outputs and the live held-out task reproducing meta-test's result. The
 * committed notebook must carry its saved plots too.
 */
class JupyterNotebookIT {
    private static final Path ROOT = Processes.ROOT;
    private static final Path NOTEBOOK = ROOT.resolve("deploy/notebooks/explore.ipynb");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static int exec(Path log, Map<String, String> env, List<String> command)
            throws IOException, InterruptedException {
        return Processes.exec(log, env, 5, command);
    }

    @Test
    void exploreNotebookRunsOnTheKernelWithoutErrorsAndShowsItsPlots(@TempDir Path tmp)
            throws Exception {
        String python = Processes.requireJupyterPython(tmp.resolve("python-check.log"));
        Path conf = tmp.resolve("tiny.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "spark.master = \"local[2]\"",
                        "data.pretrain-count = 2000",
                        "pretrain { epochs = 1, path = \"" + tmp.resolve("theta").toUri() + "\" }",
                        "tasks { train-size = 200, val-size = 100, test-size = 100 }",
                        "inner { steps = 10, batch-size = 16, observe-fraction = 0.3 }",
                        "meta-train { iterations = 2, tasks-per-iteration = 3,"
                                + " checkpoint-every = 1 }",
                        "value-function.hidden = 8",
                        "eval { tasks-per-family = 2, validation-tasks-per-family = 1,"
                                + " lr-grid = [1.0] }",
                        ""));
        Map<String, String> small = Map.of("METRICOPT_JAVA_OPTS", "-Xmx2g");
        String metricopt = ROOT.resolve("deploy/bin/metricopt").toString();
        Path run = tmp.resolve("run");
        Path runLog = tmp.resolve("run.log");
        int rc =
                exec(
                        runLog,
                        small,
                        List.of(
                                "bash",
                                metricopt,
                                "run",
                                "--conf",
                                conf.toString(),
                                "--run-dir",
                                run.toString()));
        assertThat(rc).as(Files.readString(runLog)).isZero();

        Path prefix = tmp.resolve("jupyter");
        Path installLog = tmp.resolve("install.log");
        rc =
                exec(
                        installLog,
                        small,
                        List.of(
                                "bash",
                                metricopt,
                                "jupyter",
                                "install",
                                "--prefix",
                                prefix.toString()));
        assertThat(rc).as(Files.readString(installLog)).isZero();
        assertThat(prefix.resolve("share/jupyter/kernels/metricopt/kernel.json")).isRegularFile();

        Path executed = tmp.resolve("explore.ipynb");
        Path executeLog = tmp.resolve("execute.log");
        long start = System.nanoTime();
        rc =
                exec(
                        executeLog,
                        Map.of(
                                "JUPYTER_PATH", prefix.resolve("share/jupyter").toString(),
                                "JUPYTER_RUNTIME_DIR", tmp.resolve("runtime").toString(),
                                "METRICOPT_RUN_DIR", run.toString()),
                        List.of(
                                python,
                                ROOT.resolve("deploy/notebooks/execute.py").toString(),
                                NOTEBOOK.toString(),
                                executed.toString(),
                                "--cwd",
                                tmp.toString()));
        String log = Files.readString(executeLog);
        assertThat(rc).as(log).isZero();
        System.out.printf(
                "explore.ipynb ran in %.1f s on the MetricOpt kernel%n",
                (System.nanoTime() - start) / 1e9);

        JsonNode nb = JSON.readTree(executed.toFile());
        List<JsonNode> outputs = outputs(nb);
        assertThat(outputs)
                .as("no cell failed")
                .noneMatch(o -> "error".equals(o.path("output_type").asText()));
        // Learning curve, Spearman curve, one finetuning curve per family, the live task.
        assertThat(outputs.stream().filter(o -> o.path("data").has("image/png")).count())
                .isGreaterThanOrEqualTo(6);
        assertThat(texts(outputs, "text/markdown")).contains("| mcr-noisy (misclassification) |");
        assertThat(texts(outputs, "text/html"))
                .contains("<th>val_step0</th>")
                .contains("<th>prior_spearman</th>");
        assertThat(texts(outputs, "text/plain"))
                .contains("mcr-noisy meta-test/0/0 with metricopt-sgd")
                .contains("reproduced: true");
    }

    @Test
    void theCommittedNotebookCarriesItsPlots() throws IOException {
        List<JsonNode> outputs = outputs(JSON.readTree(NOTEBOOK.toFile()));
        assertThat(outputs).noneMatch(o -> "error".equals(o.path("output_type").asText()));
        assertThat(outputs.stream().filter(o -> o.path("data").has("image/png")).count())
                .isGreaterThanOrEqualTo(6);
    }

    private static List<JsonNode> outputs(JsonNode nb) {
        List<JsonNode> out = new ArrayList<>();
        nb.get("cells").forEach(c -> c.path("outputs").forEach(out::add));
        return out;
    }

    /** Every output's text of one MIME type (and stream text for text/plain), joined. */
    private static String texts(List<JsonNode> outputs, String mime) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode o : outputs) {
            JsonNode value =
                    "text/plain".equals(mime) && o.has("text")
                            ? o.get("text")
                            : o.path("data").path(mime);
            if (value.isArray()) {
                value.forEach(v -> sb.append(v.asText()));
            } else if (value.isTextual()) {
                sb.append(value.asText());
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
