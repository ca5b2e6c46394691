package org.metricopt.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.driver.meta.Checkpoints;
import org.metricopt.driver.testing.TinyConf;

/**
 * The command line end to end: {@code run} on a tiny configuration writes the whole run directory
 * of docs/DESIGN.md section 6 with the summary.json contract, and bad input gives the documented
 * exit code and one line on stderr.
 */
class MetricOptMainTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tiny configuration file whose theta is a random one saved under {@code dir/theta}. */
    private static Path tinyConf(Path dir, String... extraLines) throws IOException {
        return TinyConf.write(dir, extraLines);
    }

    /** Exit code and stderr of one invocation. */
    private record Result(int exitCode, String stderr) {
        List<String> errorLines() {
            return Arrays.stream(stderr.split("\\R"))
                    .filter(l -> l.startsWith("metricopt:"))
                    .toList();
        }
    }

    private static Result execute(String... args) {
        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = MetricOptMain.execute(args);
            return new Result(code, err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(original);
        }
    }

    @Test
    void runWritesTheWholeRunDirectoryAndTheSummaryContract(@TempDir Path tmp) throws IOException {
        Path conf = tinyConf(tmp);
        Path run = tmp.resolve("run");
        Result r =
                execute(
                        "run",
                        "--conf",
                        conf.toString(),
                        "--set",
                        "spark.event-log=true",
                        "--run-dir",
                        run.toUri().toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        // Spark's event log, for a History Server: one application's (rolling) log, finished.
        List<Path> apps;
        try (Stream<Path> logs = Files.list(run.resolve("eventlog"))) {
            apps = logs.toList();
        }
        assertThat(apps).singleElement().asString().contains("local-");
        try (Stream<Path> files = Files.list(apps.get(0))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList())
                    .anyMatch(n -> n.startsWith("events_"))
                    .anyMatch(n -> n.startsWith("appstatus_"))
                    .noneMatch(n -> n.endsWith(".inprogress"));
        }

        assertThat(run.resolve("run.json")).isRegularFile();
        assertThat(run.resolve("checkpoints/iter-000002/_COMPLETE")).isRegularFile();
        assertThat(run.resolve("metrics")).isDirectory();
        assertThat(run.resolve("trajectories")).isDirectory();
        Path results = run.resolve("eval/results.parquet");
        assertThat(results).isDirectory();
        try (Stream<Path> parts = Files.list(results)) {
            assertThat(parts.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.endsWith(".parquet"))
                    .contains("_SUCCESS");
        }
        assertThat(run.resolve("eval/report.md")).isRegularFile();

        JsonNode summary = JSON.readTree(run.resolve("eval/summary.json").toFile());
        Set<String> families = new TreeSet<>();
        summary.get("families").fieldNames().forEachRemaining(families::add);
        assertThat(families).containsExactly("aucpr-imbalanced", "input-shift", "mcr-noisy");
        for (String family : families) {
            JsonNode f = summary.get("families").get(family);
            assertThat(f.get("tasks").asInt()).as(family).isEqualTo(2);
            JsonNode methods = f.get("methods");
            Set<String> ids = new TreeSet<>();
            methods.fieldNames().forEachRemaining(ids::add);
            assertThat(ids).contains("ce-sgd", "ce-adam", "metricopt-sgd", "metricopt-adam");
            assertThat(ids.contains("ap-surrogate")).isEqualTo(family.equals("aucpr-imbalanced"));
            for (String id : ids) {
                JsonNode m = methods.get(id);
                assertThat(m.has("mean")).as(id).isTrue();
                assertThat(m.get("mean").isNumber() || m.get("mean").isNull()).isTrue();
                assertThat(m.get("ci95").isArray() || m.get("ci95").isNull()).as(id).isTrue();
                if (m.get("ci95").isArray()) {
                    assertThat(m.get("ci95")).hasSize(2);
                }
                assertThat(m.get("win_rate_vs").isObject()).as(id).isTrue();
            }
            assertThat(methods.get("metricopt-sgd").get("win_rate_vs").has("ce-sgd")).isTrue();
            Path curve = run.resolve("eval/curve-" + family + ".png");
            assertThat(curve).isRegularFile();
            assertPng(curve);
        }
        // Four observations per unroll (observe-fraction 0.3 of T = 10): Spearman is defined.
        JsonNode spearman = summary.get("value_function").get("spearman");
        assertThat(spearman.isNumber()).as(spearman.toString()).isTrue();
        assertThat(spearman.asDouble()).isBetween(-1.0, 1.0);
        assertThat(summary.get("command").asText()).contains("run").contains("--run-dir");

        // What a scheduler reads instead of the log.
        JsonNode status = JSON.readTree(run.resolve("status.json").toFile());
        assertThat(status.get("state").asText()).isEqualTo("succeeded");
        assertThat(status.get("command").asText()).isEqualTo("run");
        assertThat(status.get("exit_code").asInt()).isZero();
        assertThat(status.get("message").isNull()).isTrue();
        assertThat(status.get("last_complete_checkpoint").asText()).endsWith("iter-000002");
        assertThat(java.time.Instant.parse(status.get("updated").asText()))
                .isAfterOrEqualTo(java.time.Instant.parse(status.get("started").asText()));
    }

    @Test
    void credentialsInTheConfigurationNeverReachTheRunDirectoryOrStderr(@TempDir Path tmp)
            throws IOException {
        String secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
        String token = "FQoGZXIvYXdzEXAMPLETOKEN";
        Path conf = tinyConf(tmp, "hadoop { \"fs.s3a.session.token\" = \"" + token + "\" }");
        Path run = tmp.resolve("run");
        Result r =
                execute(
                        "run",
                        "--conf",
                        conf.toString(),
                        "--set",
                        "hadoop.\"fs.s3a.secret.key\"=" + secret,
                        "--set",
                        "meta-train.iterations=1",
                        "--run-dir",
                        run.toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stderr()).doesNotContain(secret, token);
        List<Path> files;
        try (Stream<Path> all = Files.walk(run)) {
            files = all.filter(Files::isRegularFile).toList();
        }
        assertThat(files).contains(run.resolve("run.json"), run.resolve("eval/report.md"));
        for (Path f : files) {
            String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
            assertThat(text).as(f.toString()).doesNotContain(secret, token);
        }
        JsonNode runJson = JSON.readTree(run.resolve("run.json").toFile());
        assertThat(runJson.at("/config/hadoop").toString())
                .contains("fs.s3a.secret.key", "fs.s3a.session.token", "redacted");
        assertThat(runJson.at("/provenance/command_line").asText())
                .contains("fs.s3a.secret.key")
                .doesNotContain(secret);
    }

    @Test
    void forceNewMovesTheOldRunAsideWholeAndStartsAFreshOne(@TempDir Path tmp) throws IOException {
        Path conf = tinyConf(tmp);
        Path run = tmp.resolve("run");
        String[] metaTrain = {
            "meta-train",
            "--conf",
            conf.toString(),
            "--set",
            "meta-train.iterations=1",
            "--run-dir",
            run.toString()
        };
        assertThat(execute(metaTrain).exitCode()).isZero();
        byte[] first = Files.readAllBytes(run.resolve("checkpoints/iter-000001/state.bin"));

        // Another configuration: refused with a pointer to --force-new, nothing touched.
        Result refused =
                execute(
                        "meta-train",
                        "--conf",
                        conf.toString(),
                        "--set",
                        "seed=99",
                        "--run-dir",
                        run.toString());
        assertThat(refused.exitCode()).isEqualTo(ErrorClass.RUN_DIR_CONFLICT.exitCode());
        assertThat(refused.errorLines()).singleElement().asString().contains("--force-new");

        Result forced =
                execute(
                        "meta-train",
                        "--force-new",
                        "--conf",
                        conf.toString(),
                        "--set",
                        "meta-train.iterations=1",
                        "--run-dir",
                        run.toString());
        assertThat(forced.exitCode()).as(forced.stderr()).isZero();
        List<Path> aside;
        try (Stream<Path> siblings = Files.list(tmp)) {
            aside =
                    siblings.filter(p -> p.getFileName().toString().startsWith("run.replaced-"))
                            .toList();
        }
        assertThat(aside).hasSize(1);
        // The old run is whole where it was moved, and the new one, with the same configuration
        // and seed, reproduces it bit for bit.
        assertThat(aside.get(0).resolve("checkpoints/iter-000001/state.bin"))
                .hasBinaryContent(first);
        assertThat(aside.get(0).resolve("run.json")).isRegularFile();
        assertThat(run.resolve("checkpoints/iter-000001/state.bin")).hasBinaryContent(first);
    }

    private static void assertPng(Path p) throws IOException {
        byte[] head = Arrays.copyOf(Files.readAllBytes(p), 8);
        assertThat(head).containsExactly((byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
    }

    private static void commandPaths(
            picocli.CommandLine cli, List<String> path, List<List<String>> out) {
        out.add(path);
        for (var e : cli.getSubcommands().entrySet()) {
            List<String> sub = new java.util.ArrayList<>(path);
            sub.add(e.getKey());
            commandPaths(e.getValue(), sub, out);
        }
    }

    @Test
    void helpWorksOnEveryCommandAndSubcommand() {
        // Every command and subcommand picocli knows, so a new one cannot be forgotten here.
        List<List<String>> commands = new java.util.ArrayList<>();
        commandPaths(new picocli.CommandLine(new MetricOptMain()), List.of(), commands);
        assertThat(commands)
                .contains(
                        List.of("run"),
                        List.of("bench", "driver-scale"),
                        List.of("bench", "memory"),
                        List.of("bench", "scaling"),
                        List.of("jupyter", "install"));
        for (List<String> command : commands) {
            List<String> args = new java.util.ArrayList<>(command);
            args.add("--help");
            PrintStream original = System.out;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            Result r;
            try {
                r = execute(args.toArray(String[]::new));
            } finally {
                System.setOut(original);
            }
            assertThat(r.exitCode()).as("%s: %s", args, r.stderr()).isZero();
            assertThat(r.errorLines()).as("%s", args).isEmpty();
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .as("%s", args)
                    .contains(
                            "Usage: metricopt"
                                    + (command.isEmpty() ? "" : " " + String.join(" ", command)));
        }
    }

    @Test
    void unknownConfigKeyExitsWithTwoAndOneLineSuggestingTheKey(@TempDir Path tmp)
            throws IOException {
        Path conf = tinyConf(tmp);
        Files.writeString(conf, Files.readString(conf) + "inner.stepz = 12\n");
        Result r =
                execute(
                        "run",
                        "--conf",
                        conf.toString(),
                        "--run-dir",
                        tmp.resolve("run").toUri().toString());
        assertThat(r.exitCode()).isEqualTo(ErrorClass.INVALID_CONFIG.exitCode()).isEqualTo(2);
        assertThat(r.errorLines())
                .singleElement()
                .asString()
                .contains("inner.stepz")
                .contains("did you mean inner.steps");
        assertThat(tmp.resolve("run")).as("nothing is started on bad input").doesNotExist();

        Result set =
                execute("meta-train", "--set", "value-function.hiden=8", "--run-dir", "unused");
        assertThat(set.exitCode()).isEqualTo(2);
        assertThat(set.errorLines())
                .singleElement()
                .asString()
                .contains("did you mean value-function.hidden");
    }

    @Test
    void metaTestWithAnotherValueFunctionWidthIsARunDirectoryConflict(@TempDir Path tmp)
            throws IOException {
        Path conf = tinyConf(tmp);
        MetricOptConfig config = ConfigLoader.load(conf.toString(), List.of());
        // The value function's input: phi and the task context.
        int d = org.metricopt.common.valuefn.ValueLearner.of(config).inputs();
        Path run = tmp.resolve("trained");
        String runUri = run.toUri().toString().replaceAll("/+$", "");
        MetaState state =
                MetaLearner.initialState(config)
                        .with(1, MetaState.SCALER_MEAN, new float[d])
                        .with(1, MetaState.SCALER_STD, new float[d]);
        Checkpoints.write(new Configuration(), runUri, state);
        Result r =
                execute(
                        "meta-test",
                        "--conf",
                        conf.toString(),
                        "--set",
                        "value-function.hidden=9",
                        "--run-dir",
                        runUri);
        assertThat(r.exitCode()).as(r.stderr()).isEqualTo(ErrorClass.RUN_DIR_CONFLICT.exitCode());
        assertThat(r.errorLines())
                .singleElement()
                .asString()
                .contains("value-function.hidden = 9")
                .contains(String.valueOf(ValueFunction.size(d, 8)))
                .contains("run.json");
    }

    @Test
    void metaTestOnAnEmptyRunDirectorySaysToMetaTrainFirst(@TempDir Path tmp) throws IOException {
        Path conf = tinyConf(tmp);
        Path run = tmp.resolve("empty");
        Files.createDirectories(run);
        Result r =
                execute(
                        "meta-test",
                        "--conf",
                        conf.toString(),
                        "--run-dir",
                        run.toUri().toString());
        assertThat(r.exitCode()).isNotZero();
        assertThat(r.errorLines()).singleElement().asString().contains("run meta-train first");
        assertThat(run.resolve("eval")).doesNotExist();
        JsonNode status = JSON.readTree(run.resolve("status.json").toFile());
        assertThat(status.get("state").asText()).isEqualTo("failed");
        assertThat(status.get("command").asText()).isEqualTo("meta-test");
        assertThat(status.get("exit_code").asInt()).isEqualTo(r.exitCode());
        assertThat(status.get("exit_class").asText()).isNotEqualTo("INTERNAL");
        assertThat(status.get("message").asText()).contains("run meta-train first");
        assertThat(status.get("last_complete_checkpoint").isNull()).isTrue();
    }
}
