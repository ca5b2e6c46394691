package org.metricopt.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.IdxTestFiles;
import org.metricopt.common.io.Digests;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.driver.RunStatus;
import org.metricopt.driver.meta.Checkpoints;
import org.metricopt.driver.testing.FaultyFileSystem;
import org.metricopt.driver.testing.TinyConf;

/**
 * The table of bad input and faults (README, "When things go wrong"): every row runs the real
 * command line through {@link MetricOptMain#execute} and asserts
 *
 * <ul>
 *   <li>the exact exit code (2 bad argument or configuration, 3 dataset, 4 checkpoint or theta, 5
 *       run-directory conflict, 7 too many task failures, 8 I/O),
 *   <li>that stderr is exactly one line, {@code metricopt: error: ...}, naming the offending key or
 *       path, with no stack trace (no {@code --verbose}); the meta-train progress bar, which also
 *       draws on stderr, is not counted,
 *   <li>that the run directory it touched is byte-for-byte unchanged (or, where the row starts a
 *       fresh run, that no checkpoint appeared), and that every checkpoint that was valid before
 *       still reads.
 * </ul>
 *
 * <p>Most rows are rejected by configuration or argument checks before Spark starts. The rows that
 * need a meta-trained run directory share one, meta-trained once (one iteration of a tiny
 * configuration) in {@link #metaTrainOnce()}; rows that damage it work on a copy.
 */
class BadInputTableTest {
    private static final String DATASET = "/usr/share/datasets/fashion-mnist";
    private static final Pattern PROGRESS_BAR = Pattern.compile("(meta-train +\\d+% .*)?");

    private static Path root;
    private static Path conf;
    private static Path thetaRoot;
    private static Path trained;
    private static SortedMap<String, String> trainedSnapshot;

    /**
     * What one row runs: the arguments, the strings its error line must contain, the directory that
     * must not change and the checkpoint directories that must still read afterwards.
     */
    private record Call(List<String> args, List<String> named, Path watched, List<Path> valid) {}

    /** Builds a row's call inside its own scratch directory. */
    @FunctionalInterface
    private interface Scenario {
        Call prepare(Path scratch) throws IOException;
    }

    /** One row of the table. */
    private record Row(String name, int exitCode, Scenario scenario) {
        @Override
        public String toString() {
            return name + " -> exit " + exitCode;
        }
    }

    @BeforeAll
    static void metaTrainOnce() throws IOException {
        root = Files.createTempDirectory("bad-input-table");
        thetaRoot = root.resolve("theta");
        conf = TinyConf.write(root, "meta-train.iterations = 1", "eval.tasks-per-family = 1");
        trained = root.resolve("trained");
        int code =
                MetricOptMain.execute(
                        "meta-train", "--conf", conf.toString(), "--run-dir", trained.toString());
        assertThat(code).as("meta-training the shared run directory").isZero();
        assertThat(Checkpoints.latest(new Configuration(), trained.toUri().toString()))
                .hasValueSatisfying(s -> assertThat(s.iteration()).isEqualTo(1));
        trainedSnapshot = snapshot(trained);
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (root == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }

    static Stream<Row> rows() {
        List<Row> rows = new ArrayList<>();

        // --- Configuration: rejected by ConfigLoader before Spark starts (exit 2). ---
        rows.add(setRow("unknown top-level key", "sed=1", "sed", "did you mean seed?"));
        rows.add(
                setRow(
                        "unknown key in a family block",
                        "tasks.families.mcr-noisy.label-nosie=[0.0, 0.1]",
                        "tasks.families.mcr-noisy.label-nosie",
                        "did you mean tasks.families.mcr-noisy.label-noise?"));
        rows.add(setRow("wrong type: T is not a number", "inner.steps=abc", "inner.steps"));
        rows.add(setRow("negative T", "inner.steps=-5", "inner.steps", "-5"));
        rows.add(
                setRow(
                        "learned-weights is neither trained nor initial",
                        "eval.learned-weights=random",
                        "eval.learned-weights",
                        "trained, initial"));
        rows.add(
                setRow(
                        "adapt-on names no place",
                        "meta-train.adapt-on=gpu",
                        "meta-train.adapt-on",
                        "executors, driver"));
        rows.add(
                row(
                        "an observed metric cannot be back-propagated",
                        2,
                        s ->
                                resumeTrained(
                                        List.of(
                                                "learned-optimizer.metric-source",
                                                "observed",
                                                "reparameterisation = true"),
                                        "learned-optimizer.metric-source=observed",
                                        "learned-optimizer.reparameterisation=true")));
        rows.add(
                row(
                        "the mean-relative L_metric has no back-propagated form",
                        2,
                        s ->
                                resumeTrained(
                                        List.of(
                                                "learned-optimizer.metric-objective",
                                                "mean-relative",
                                                "regret"),
                                        "learned-optimizer.metric-objective=mean-relative",
                                        "learned-optimizer.reparameterisation=true")));
        rows.add(
                row(
                        "a benchmark's --set is checked like any command's",
                        2,
                        s ->
                                call(
                                        s,
                                        List.of("inner.steps", "-5"),
                                        "bench",
                                        "driver-scale",
                                        "--tasks",
                                        "2,4",
                                        "--set",
                                        "inner.steps=-5")));
        rows.add(setRow("observe-fraction 0 (K = 0)", "inner.observe-fraction=0", "observe"));
        rows.add(
                setRow(
                        "observe-fraction above 1 (K > T)",
                        "inner.observe-fraction=1.5",
                        "inner.observe-fraction",
                        "1.5"));
        rows.add(
                setRow(
                        "sigma^2 = 0",
                        "learned-optimizer.sigma-squared=0",
                        "learned-optimizer.sigma-squared"));
        rows.add(
                row(
                        "empty mixture: every weight 0",
                        2,
                        s ->
                                resumeTrained(
                                        List.of("tasks.mixture"),
                                        "tasks.mixture.aucpr-imbalanced=0",
                                        "tasks.mixture.mcr-noisy=0",
                                        "tasks.mixture.input-shift=0")));
        rows.add(
                setRow(
                        "mixture names an undefined family",
                        "tasks.mixture.nope=1.0",
                        "tasks.mixture.nope",
                        "aucpr-imbalanced"));
        rows.add(
                setRow(
                        "label-noise outside [0, 1]",
                        "tasks.families.mcr-noisy.label-noise=[0.0, 1.5]",
                        "tasks.families.mcr-noisy.label-noise"));
        rows.add(
                setRow(
                        "positive-fraction lo > hi",
                        "tasks.families.aucpr-imbalanced.positive-fraction=[0.2, 0.1]",
                        "tasks.families.aucpr-imbalanced.positive-fraction"));
        rows.add(
                setRow(
                        "min-eval-positives leaves no negative in val/test",
                        "tasks.families.aucpr-imbalanced.min-eval-positives=100",
                        "tasks.families.aucpr-imbalanced.min-eval-positives"));
        rows.add(
                setRow(
                        "a family that is not an object",
                        "tasks.families.broken=5",
                        "tasks.families.broken"));
        rows.add(
                setRow(
                        "unknown built-in metric id",
                        "tasks.families.mcr-noisy.metric=misclasification",
                        "tasks.families.mcr-noisy.metric",
                        "misclasification"));
        rows.add(
                setRow(
                        "batch-size > train-size",
                        "inner.batch-size=500",
                        "inner.batch-size",
                        "tasks.train-size"));
        rows.add(setRow("unknown inner optimizer", "inner.optimizer=rmsprop", "inner.optimizer"));
        rows.add(
                setRow(
                        "unknown meta-train optimizer",
                        "meta-train.optimizers=[sgd, rmsprop]",
                        "meta-train.optimizers"));
        rows.add(
                setRow(
                        "negative task-data cache",
                        "spark.task-data-cache-mb=-1",
                        "spark.task-data-cache-mb",
                        "-1"));
        rows.add(
                setRow(
                        "phase-B locality not a boolean",
                        "spark.phase-b-locality=sometimes",
                        "spark.phase-b-locality",
                        "sometimes"));
        rows.add(setRow("unknown network kind", "network.kind=transformer", "network.kind"));
        rows.add(setRow("a value with a line break", "network.kind=\"mlp\\ncnn\"", "network.kind"));
        rows.add(
                setRow(
                        "eval.methods names an unknown method",
                        "eval.methods=[ce-sgd, magic]",
                        "eval.methods"));
        rows.add(setRow("empty eval.lr-grid", "eval.lr-grid=[]", "eval.lr-grid"));
        rows.add(setRow("negative eval.lr-grid", "eval.lr-grid=[-1.0]", "eval.lr-grid"));
        rows.add(setRow("zero in eval.lambda-grid", "eval.lambda-grid=[0.0]", "eval.lambda-grid"));
        rows.add(
                setRow(
                        "unknown value-function target",
                        "value-function.target=relative",
                        "value-function.target",
                        "residual"));
        rows.add(
                setRow(
                        "negative probe pairs",
                        "meta-train.probe-pairs=-1",
                        "meta-train.probe-pairs"));
        rows.add(
                setRow(
                        "unknown held-out stream",
                        "eval.held-out-stream=test",
                        "eval.held-out-stream",
                        "meta-test"));
        rows.add(
                setRow(
                        "meta-test pool takes all the data",
                        "data.meta-test-pool-fraction=1.0",
                        "data.meta-test-pool-fraction"));
        rows.add(
                row(
                        "--conf names a missing file",
                        2,
                        s -> {
                            Path missing = s.resolve("no-such.conf");
                            return trainedCall(
                                    List.of(missing.toString()),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    missing.toString(),
                                    "--run-dir",
                                    trained.toString());
                        }));
        rows.add(
                row(
                        "--conf is malformed HOCON",
                        2,
                        s -> {
                            Path bad = Files.writeString(s.resolve("bad.conf"), "inner { steps = ");
                            return trainedCall(
                                    List.of(bad.toString(), "HOCON"),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    bad.toString(),
                                    "--run-dir",
                                    trained.toString());
                        }));
        rows.add(
                row(
                        "--conf has an unresolvable substitution",
                        2,
                        s -> {
                            Path bad = Files.writeString(s.resolve("subst.conf"), "seed = ${nope}");
                            return trainedCall(
                                    List.of("nope"),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    bad.toString(),
                                    "--run-dir",
                                    trained.toString());
                        }));

        // --- Command-line arguments (exit 2), before Spark starts. ---
        rows.add(
                row(
                        "--set without '='",
                        2,
                        s ->
                                trainedCall(
                                        List.of("--set inner.steps"),
                                        "meta-train",
                                        "--resume",
                                        "--conf",
                                        conf.toString(),
                                        "--set",
                                        "inner.steps",
                                        "--run-dir",
                                        trained.toString())));
        rows.add(
                row(
                        "--run-dir and --run-id together",
                        2,
                        s ->
                                trainedCall(
                                        List.of("--run-dir", "--run-id"),
                                        "meta-train",
                                        "--resume",
                                        "--conf",
                                        conf.toString(),
                                        "--run-dir",
                                        trained.toString(),
                                        "--run-id",
                                        "other")));
        rows.add(
                row(
                        "--run-id with a '/'",
                        2,
                        s ->
                                call(
                                        Path.of("escape").toAbsolutePath(),
                                        List.of("--run-id", "../escape"),
                                        "meta-train",
                                        "--conf",
                                        conf.toString(),
                                        "--run-id",
                                        "../escape")));
        rows.add(
                row(
                        "unknown subcommand",
                        2,
                        s -> trainedCall(List.of("frobnicate"), "frobnicate")));
        rows.add(
                row(
                        "unknown option",
                        2,
                        s ->
                                trainedCall(
                                        List.of("--frobnicate"),
                                        "meta-train",
                                        "--frobnicate",
                                        "--run-dir",
                                        trained.toString())));
        rows.add(
                row(
                        "option without its value",
                        2,
                        s ->
                                trainedCall(
                                        List.of("--conf"),
                                        "meta-train",
                                        "--run-dir",
                                        trained.toString(),
                                        "--conf")));
        rows.add(
                row(
                        "show without --run-dir",
                        2,
                        s -> trainedCall(List.of("--run-dir"), "show", "metrics")));
        rows.add(
                row(
                        "show of an unknown table",
                        2,
                        s ->
                                trainedCall(
                                        List.of("bogus"),
                                        "show",
                                        "bogus",
                                        "--run-dir",
                                        trained.toString())));

        rows.add(
                row(
                        "show of a run that has no eval results",
                        2,
                        s ->
                                trainedCall(
                                        List.of(trained.toString(), "eval"),
                                        "show",
                                        "eval",
                                        "--conf",
                                        conf.toString(),
                                        "--run-dir",
                                        trained.toString())));
        rows.add(
                row(
                        "show of a run directory that does not exist",
                        2,
                        s -> {
                            Path typo = s.resolve("trainde");
                            return call(
                                    typo,
                                    List.of(typo.toString(), "metrics"),
                                    "show",
                                    "metrics",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    typo.toString());
                        }));

        rows.add(
                setRow(
                        "a metric class that is not a metric",
                        "tasks.families.mcr-noisy.metric=java.lang.String",
                        "tasks.families.mcr-noisy.metric",
                        "java.lang.String",
                        "is not one"));
        rows.add(
                row(
                        "meta-train --resume on a directory without checkpoints",
                        2,
                        s -> {
                            Path empty = Files.createDirectories(s.resolve("mistyped"));
                            return call(
                                    empty,
                                    List.of(empty.toString(), "no complete checkpoint"),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    empty.toString());
                        }));
        rows.add(
                row(
                        "finetune where every task of a family fails",
                        6,
                        s ->
                                trainedCall(
                                        List.of("mcr-noisy", "failed", "com.example.NoSuchMetric"),
                                        "finetune",
                                        "--conf",
                                        conf.toString(),
                                        "--set",
                                        "tasks.families.mcr-noisy.metric=com.example.NoSuchMetric",
                                        "--run-dir",
                                        s.resolve("finetune").toString())));

        // --- Run-directory conflicts (exit 5): refused before any unroll. ---
        rows.add(
                row(
                        "meta-train on a trained run without --resume",
                        5,
                        s ->
                                trainedCall(
                                        List.of(trained.toString(), "--resume"),
                                        "meta-train",
                                        "--conf",
                                        conf.toString(),
                                        "--run-dir",
                                        trained.toString())));
        rows.add(
                row(
                        "--resume with a changed seed",
                        5,
                        s ->
                                trainedCall(
                                        List.of(trained.toString(), "fingerprint"),
                                        "meta-train",
                                        "--resume",
                                        "--conf",
                                        conf.toString(),
                                        "--set",
                                        "seed=7",
                                        "--run-dir",
                                        trained.toString())));
        rows.add(
                row(
                        "run.json of another configuration, no checkpoint yet",
                        5,
                        s -> {
                            Path run = Files.createDirectories(s.resolve("run"));
                            Files.copy(trained.resolve("run.json"), run.resolve("run.json"));
                            return call(
                                    run,
                                    List.of(run.toString(), "config_fingerprint", "--force-new"),
                                    "run",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "seed=7",
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "--force-new together with --resume",
                        2,
                        s ->
                                trainedCall(
                                        List.of("--force-new", "--resume"),
                                        "meta-train",
                                        "--resume",
                                        "--force-new",
                                        "--conf",
                                        conf.toString(),
                                        "--run-dir",
                                        trained.toString())));
        rows.add(
                setRow(
                        "hadoop setting that is a list",
                        "hadoop.\"fs.s3a.endpoint\"=[a, b]",
                        "hadoop.\"fs.s3a.endpoint\"",
                        "a string, number or boolean"));
        rows.add(
                row(
                        "data.root vanished before a resume",
                        3,
                        s -> {
                            Path gone = s.resolve("vanished-data");
                            return trainedCall(
                                    List.of(gone.toString()),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "meta-train.iterations=2",
                                    "--set",
                                    "data.root=\"" + gone + "\"",
                                    "--run-dir",
                                    trained.toString());
                        }));
        rows.add(
                row(
                        "meta-test with another value-function width",
                        5,
                        s ->
                                trainedCall(
                                        List.of("value-function.hidden = 9", trained.toString()),
                                        "meta-test",
                                        "--conf",
                                        conf.toString(),
                                        "--set",
                                        "value-function.hidden=9",
                                        "--run-dir",
                                        trained.toString())));

        // --- Checkpoints (exit 4; an empty run is exit 2): named, never silently skipped. ---
        rows.add(
                row(
                        "meta-test on an empty run directory",
                        2,
                        s -> {
                            Path empty = Files.createDirectories(s.resolve("empty"));
                            return call(
                                    empty,
                                    List.of(empty.toString(), "run meta-train first"),
                                    "meta-test",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    empty.toString());
                        }));
        rows.add(
                row(
                        "meta-test on a checkpoint of 0 iterations",
                        4,
                        s -> {
                            Path run = s.resolve("zero");
                            MetricOptConfig config = ConfigLoader.load(conf.toString(), List.of());
                            Checkpoints.write(
                                    new Configuration(),
                                    run.toUri().toString(),
                                    MetaLearner.initialState(config));
                            return call(
                                    run,
                                    List.of(run.toString(), "0 iterations"),
                                    List.of(run.resolve("checkpoints/iter-000000")),
                                    "meta-test",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "state.bin with a flipped byte (Hadoop .crc present)",
                        4,
                        s -> {
                            Path run = copyOfTrained(s);
                            Path state = run.resolve("checkpoints/iter-000001/state.bin");
                            flipByte(state, 40);
                            return call(
                                    run,
                                    List.of(state.toString(), "corrupt"),
                                    "meta-test",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "state.bin with a flipped byte (no .crc)",
                        4,
                        s -> {
                            Path run = copyOfTrained(s);
                            Path state = run.resolve("checkpoints/iter-000001/state.bin");
                            flipByte(state, 40);
                            Files.delete(state.resolveSibling(".state.bin.crc"));
                            return call(
                                    run,
                                    List.of(state.toString(), "_COMPLETE"),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "meta-train.iterations=2",
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "newer checkpoint of an unknown format version",
                        4,
                        s -> {
                            Path run = copyOfTrained(s);
                            byte[] b = stateBytes(run);
                            b[7] = 99;
                            Path state = writeCheckpoint(run, 2, b);
                            return call(
                                    run,
                                    List.of(state.toString(), "format version 99"),
                                    List.of(run.resolve("checkpoints/iter-000001")),
                                    "meta-test",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "newer checkpoint truncated, marker matching",
                        4,
                        s -> {
                            Path run = copyOfTrained(s);
                            byte[] b = Arrays.copyOf(stateBytes(run), 30);
                            Path state = writeCheckpoint(run, 2, b);
                            return call(
                                    run,
                                    List.of(state.toString(), "truncated"),
                                    List.of(run.resolve("checkpoints/iter-000001")),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "meta-train.iterations=3",
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "pretrain.path holds corrupt theta tensors",
                        4,
                        s -> {
                            Path theta = copyTree(thetaRoot, s.resolve("theta"));
                            Path tensors = thetaFile(theta, Theta.TENSORS);
                            flipByte(tensors, (int) Files.size(tensors) / 2);
                            Files.delete(tensors.resolveSibling("." + Theta.TENSORS + ".crc"));
                            return trainedCall(
                                    List.of(tensors.toString(), "checksum"),
                                    "meta-test",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "pretrain.path=\"" + theta.toUri() + "\"",
                                    "--run-dir",
                                    trained.toString());
                        }));
        rows.add(
                row(
                        "pretrain.path holds theta of an unknown format version",
                        4,
                        s -> {
                            Path theta = copyTree(thetaRoot, s.resolve("theta"));
                            Path manifest = thetaFile(theta, Theta.MANIFEST);
                            Files.writeString(
                                    manifest,
                                    Files.readString(manifest)
                                            .replaceFirst(
                                                    "\"format_version\" : \\d+",
                                                    "\"format_version\" : 99"));
                            Files.delete(manifest.resolveSibling("." + Theta.MANIFEST + ".crc"));
                            return trainedCall(
                                    List.of(manifest.toString(), "format_version 99"),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "meta-train.iterations=2",
                                    "--set",
                                    "pretrain.path=\"" + theta.toUri() + "\"",
                                    "--run-dir",
                                    trained.toString());
                        }));

        // --- Dataset (exit 3): the executors' first load fails; the run is untouched. ---
        rows.add(
                row(
                        "data.root is an empty directory",
                        3,
                        s -> {
                            Path data = Files.createDirectories(s.resolve("data"));
                            return metaTestWithData(
                                    data, data.toString(), "apt-get install dataset-fashion-mnist");
                        }));
        rows.add(
                row(
                        "data.root holds a truncated gzip IDX file",
                        3,
                        s -> {
                            Path data = Files.createDirectories(s.resolve("data"));
                            for (String f :
                                    List.of(
                                            "train-images-idx3-ubyte.gz",
                                            "train-labels-idx1-ubyte.gz",
                                            "t10k-images-idx3-ubyte.gz",
                                            "t10k-labels-idx1-ubyte.gz")) {
                                Files.copy(Path.of(DATASET, f), data.resolve(f));
                            }
                            Path truncated = data.resolve("train-images-idx3-ubyte.gz");
                            byte[] head = Arrays.copyOf(Files.readAllBytes(truncated), 4096);
                            Files.write(truncated, head);
                            return metaTestWithData(data, truncated.toString(), "truncated");
                        }));
        rows.add(
                row(
                        "IDX headers whose counts disagree",
                        3,
                        s -> {
                            Path data = Files.createDirectories(s.resolve("data"));
                            IdxTestFiles.writeFashionMnist(data, 50, 20, false, 1L);
                            Path labels = data.resolve("train-labels-idx1-ubyte");
                            IdxTestFiles.write(
                                    data,
                                    "train-labels-idx1-ubyte",
                                    IdxTestFiles.idx(0x0801, new int[] {49}, new byte[49]),
                                    false);
                            return metaTestWithData(data, labels.toString(), "disagree");
                        }));

        // --- Task failures (exit 7): every task of the batch fails; no checkpoint appears. ---
        rows.add(
                row(
                        "metric class that does not exist, max-failed-fraction 0",
                        7,
                        s -> {
                            Path run = s.resolve("run");
                            return new Call(
                                    List.of(
                                            "meta-train",
                                            "--conf",
                                            conf.toString(),
                                            "--set",
                                            "tasks.families.broken.metric=com.example.NoSuchMetric",
                                            "--set",
                                            "tasks.mixture.broken=1.0",
                                            "--set",
                                            "tasks.mixture.aucpr-imbalanced=0",
                                            "--set",
                                            "tasks.mixture.mcr-noisy=0",
                                            "--set",
                                            "tasks.mixture.input-shift=0",
                                            "--set",
                                            "meta-train.max-failed-fraction=0",
                                            "--run-dir",
                                            run.toString()),
                                    List.of(
                                            "meta-train.max-failed-fraction",
                                            "com.example.NoSuchMetric"),
                                    run.resolve("checkpoints"),
                                    List.of());
                        }));

        rows.add(
                row(
                        "metric command that cannot start, max-failed-fraction 0",
                        7,
                        s -> {
                            Path run = s.resolve("run");
                            return new Call(
                                    List.of(
                                            "meta-train",
                                            "--conf",
                                            conf.toString(),
                                            "--set",
                                            "tasks.families.mcr-noisy.metric=\"command:"
                                                    + "/nonexistent/metric-program --flag\"",
                                            "--set",
                                            "tasks.mixture.aucpr-imbalanced=0",
                                            "--set",
                                            "tasks.mixture.input-shift=0",
                                            "--set",
                                            "meta-train.max-failed-fraction=0",
                                            "--run-dir",
                                            run.toString()),
                                    List.of(
                                            "meta-train.max-failed-fraction",
                                            "/nonexistent/metric-program"),
                                    run.resolve("checkpoints"),
                                    List.of());
                        }));

        // --- I/O (exit 8): the run directory cannot be written. ---
        rows.add(
                row(
                        "spark.master names a standalone master no one listens on",
                        8,
                        s ->
                                trainedCall(
                                        List.of("spark.master", "spark://127.0.0.1:9"),
                                        "meta-test",
                                        "--conf",
                                        conf.toString(),
                                        "--set",
                                        "spark.master=\"spark://127.0.0.1:9\"",
                                        "--run-dir",
                                        trained.toString())));
        rows.add(
                row(
                        "the run directory's NameNode is unreachable",
                        8,
                        // Nothing listens on port 9 of the loopback: connection refused at once.
                        s ->
                                call(
                                        s,
                                        List.of("hdfs://127.0.0.1:9/runs/x"),
                                        "meta-train",
                                        "--conf",
                                        conf.toString(),
                                        "--run-dir",
                                        "hdfs://127.0.0.1:9/runs/x")));
        rows.add(
                row(
                        "run directory on s3a: without its connector (hadoop-aws)",
                        2,
                        s ->
                                call(
                                        s,
                                        List.of("s3a://bucket/runs/x", "hadoop-aws"),
                                        "meta-train",
                                        "--conf",
                                        conf.toString(),
                                        "--run-dir",
                                        "s3a://bucket/runs/x")));
        rows.add(
                row(
                        "next checkpoint directory blocked by a file",
                        8,
                        s -> {
                            Path run = copyOfTrained(s);
                            Path blocker =
                                    Files.writeString(
                                            run.resolve("checkpoints/iter-000002"), "in the way");
                            return call(
                                    run.resolve("checkpoints"),
                                    List.of(blocker.toString()),
                                    List.of(run.resolve("checkpoints/iter-000001")),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "meta-train.iterations=2",
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "metrics/ of the run is a file",
                        8,
                        s -> {
                            Path run = copyOfTrained(s);
                            Path metrics = run.resolve("metrics");
                            try (Stream<Path> all = Files.walk(metrics)) {
                                for (Path p :
                                        all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                                    Files.delete(p);
                                }
                            }
                            Files.writeString(metrics, "in the way");
                            return call(
                                    run,
                                    List.of(metrics.toString()),
                                    List.of(run.resolve("checkpoints/iter-000001")),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "meta-train.iterations=2",
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "run directory below a regular file",
                        8,
                        s -> {
                            Path file = Files.writeString(s.resolve("a-file"), "not a directory");
                            Path run = file.resolve("run");
                            return call(
                                    s,
                                    List.of(file.toString()),
                                    "meta-train",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "read-only empty run directory",
                        8,
                        s -> {
                            Path run = Files.createDirectories(s.resolve("ro"));
                            readOnly(run);
                            return call(
                                    run,
                                    List.of(run.toString()),
                                    "meta-train",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    run.toString());
                        }));
        rows.add(
                row(
                        "read-only trained run directory, resumed",
                        8,
                        s -> {
                            Path run = copyOfTrained(s);
                            try (Stream<Path> all = Files.walk(run)) {
                                for (Path p : all.toList()) {
                                    readOnly(p);
                                }
                            }
                            return call(
                                    run,
                                    List.of(run.toString()),
                                    List.of(run.resolve("checkpoints/iter-000001")),
                                    "meta-train",
                                    "--resume",
                                    "--conf",
                                    conf.toString(),
                                    "--set",
                                    "meta-train.iterations=2",
                                    "--run-dir",
                                    run.toString());
                        }));
        // --- Storage faults on the faulty: file system (independent of the user, unlike chmod).
        // ---
        rows.add(
                row(
                        "read-only file system, new run",
                        8,
                        s -> {
                            Path run = s.resolve("run");
                            return new Call(
                                    faulty(
                                            "read-only",
                                            ".*",
                                            "meta-train",
                                            "--conf",
                                            conf.toString(),
                                            "--run-dir",
                                            "faulty://" + run),
                                    List.of(run.toString(), "Read-only file system"),
                                    run,
                                    List.of());
                        }));
        rows.add(
                row(
                        "read-only file system, trained run resumed",
                        8,
                        s -> {
                            Path run = copyOfTrained(s);
                            return new Call(
                                    faulty(
                                            "read-only",
                                            ".*",
                                            "meta-train",
                                            "--resume",
                                            "--conf",
                                            conf.toString(),
                                            "--set",
                                            "meta-train.iterations=2",
                                            "--run-dir",
                                            "faulty://" + run),
                                    List.of(run.toString(), "Read-only file system"),
                                    run,
                                    List.of(run.resolve("checkpoints/iter-000001")));
                        }));
        rows.add(
                row(
                        "disk full while writing the next checkpoint",
                        8,
                        s -> {
                            Path run = copyOfTrained(s);
                            return new Call(
                                    faulty(
                                            "full",
                                            ".*iter-000002.*",
                                            "meta-train",
                                            "--resume",
                                            "--conf",
                                            conf.toString(),
                                            "--set",
                                            "meta-train.iterations=2",
                                            "--run-dir",
                                            "faulty://" + run),
                                    List.of("iter-000002", "No space left on device"),
                                    run.resolve("checkpoints/iter-000001"),
                                    List.of(run.resolve("checkpoints/iter-000001")));
                        }));

        // --- export (exit 2): checked before anything is written; the run is only read. ---
        rows.add(
                row(
                        "export of a run directory without a checkpoint",
                        2,
                        s -> {
                            Path empty = Files.createDirectories(s.resolve("empty"));
                            return call(
                                    empty,
                                    List.of("--run-dir " + empty, "no complete checkpoint"),
                                    "export",
                                    "--run-dir",
                                    empty.toString(),
                                    "--out",
                                    s.resolve("export").toString());
                        }));
        rows.add(
                row(
                        "export of a run directory that does not exist",
                        2,
                        s ->
                                call(
                                        s,
                                        List.of(
                                                "--run-dir " + s.resolve("nowhere"),
                                                "does not exist"),
                                        "export",
                                        "--run-dir",
                                        s.resolve("nowhere").toString(),
                                        "--out",
                                        s.resolve("export").toString())));
        rows.add(
                row(
                        "export into a non-empty --out without --force",
                        2,
                        s -> {
                            Path out = Files.createDirectories(s.resolve("export"));
                            Files.writeString(out.resolve("notes.txt"), "mine");
                            return trainedCall(
                                    List.of("--out " + out, "--force"),
                                    "export",
                                    "--run-dir",
                                    trained.toString(),
                                    "--out",
                                    out.toString());
                        }));
        rows.add(
                row(
                        "export with --out the run directory itself, even with --force",
                        2,
                        s ->
                                trainedCall(
                                        List.of("--out " + trained, "run directory"),
                                        "export",
                                        "--run-dir",
                                        trained.toString(),
                                        "--out",
                                        trained.toString(),
                                        "--force")));
        return rows.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void badInputGivesItsExitCodeOneNamedLineAndLeavesTheRunIntact(Row row) throws IOException {
        Path scratch = Files.createTempDirectory(root, "row");
        Call call = row.scenario().prepare(scratch);
        SortedMap<String, String> before = snapshot(call.watched());
        Path statusFile = call.watched().resolve(RunStatus.FILE);
        String statusBefore =
                Files.exists(statusFile) ? Digests.sha256(Files.readAllBytes(statusFile)) : null;

        PrintStream original = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            code = MetricOptMain.execute(call.args().toArray(String[]::new));
        } finally {
            System.setErr(original);
        }
        String stderr = err.toString(StandardCharsets.UTF_8);

        assertThat(code).as("exit code; stderr: %s", stderr).isEqualTo(row.exitCode());
        // The meta-train progress bar also writes to stderr; it is not part of the error.
        List<String> lines =
                stderr.lines().filter(l -> !PROGRESS_BAR.matcher(l).matches()).toList();
        assertThat(lines).as("stderr is one line").hasSize(1);
        assertThat(lines.get(0))
                .startsWith("metricopt: error: ")
                .doesNotContain("\tat ", "rerun with --verbose")
                .contains(call.named());
        // status.json records the failed command (RunStatus); everything else stays as it was.
        Path status = call.watched().resolve(RunStatus.FILE);
        if (Files.exists(status)
                && !Digests.sha256(Files.readAllBytes(status)).equals(statusBefore)) {
            JsonNode s = new ObjectMapper().readTree(status.toFile());
            assertThat(s.get("state").asText()).isEqualTo("failed");
            assertThat(s.get("exit_code").asInt()).isEqualTo(row.exitCode());
        }
        assertThat(snapshot(call.watched()))
                .as("%s is unchanged", call.watched())
                .isEqualTo(before);
        if (call.watched().equals(trained)) {
            assertThat(before).as("the shared run directory").isEqualTo(trainedSnapshot);
        }
        Configuration hadoop = new Configuration();
        for (Path ck : call.valid()) {
            MetaState state = Checkpoints.read(hadoop, ck.toUri().toString().replaceAll("/$", ""));
            assertThat(state.has(MetaState.VALUE_WEIGHTS)).as(ck.toString()).isTrue();
        }
    }

    // ---------------------------------------------------------------------------------------
    // Row builders

    /** {@code args} with the settings that put the run directory on the faulty: file system. */
    private static List<String> faulty(String mode, String pathRegex, String... args) {
        List<String> out = new ArrayList<>(List.of(args));
        out.addAll(FaultyFileSystem.settings(mode, pathRegex));
        return out;
    }

    private static Row row(String name, int exitCode, Scenario scenario) {
        return new Row(name, exitCode, scenario);
    }

    /**
     * A configuration row: {@code meta-train --resume} of the shared trained run with one bad
     * {@code --set}; the run must not change.
     */
    private static Row setRow(String name, String override, String... named) {
        return row(name, 2, s -> resumeTrained(List.of(named), override));
    }

    private static Call resumeTrained(List<String> named, String... overrides) {
        List<String> args =
                new ArrayList<>(List.of("meta-train", "--resume", "--conf", conf.toString()));
        for (String o : overrides) {
            args.add("--set");
            args.add(o);
        }
        args.add("--run-dir");
        args.add(trained.toString());
        return new Call(args, named, trained, List.of(trainedCheckpoint()));
    }

    /** A call that must leave the shared trained run as it is. */
    private static Call trainedCall(List<String> named, String... args) {
        return new Call(List.of(args), named, trained, List.of(trainedCheckpoint()));
    }

    private static Call call(Path watched, List<String> named, String... args) {
        return new Call(List.of(args), named, watched, List.of());
    }

    private static Call call(Path watched, List<String> named, List<Path> valid, String... args) {
        return new Call(List.of(args), named, watched, valid);
    }

    private static Call metaTestWithData(Path data, String... named) {
        return trainedCall(
                List.of(named),
                "meta-test",
                "--conf",
                conf.toString(),
                "--set",
                "data.root=\"" + data + "\"",
                "--run-dir",
                trained.toString());
    }

    private static Path trainedCheckpoint() {
        return trained.resolve("checkpoints/iter-000001");
    }

    // ---------------------------------------------------------------------------------------
    // File helpers

    private static Path copyOfTrained(Path scratch) throws IOException {
        return copyTree(trained, scratch.resolve("run"));
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }

    private static byte[] stateBytes(Path run) throws IOException {
        return Files.readAllBytes(run.resolve("checkpoints/iter-000001/state.bin"));
    }

    /** Writes {@code bytes} as a complete checkpoint of iteration {@code it}; returns state.bin. */
    private static Path writeCheckpoint(Path run, long it, byte[] bytes) {
        Configuration hadoop = new Configuration();
        String dir = Checkpoints.directory(run.toUri().toString().replaceAll("/$", ""), it);
        HadoopFiles.writeAtomically(hadoop, dir + "/" + Checkpoints.STATE, bytes);
        HadoopFiles.writeAtomically(
                hadoop, dir + "/" + Checkpoints.COMPLETE, Digests.sha256(bytes) + "\n");
        return run.resolve(String.format("checkpoints/iter-%06d/%s", it, Checkpoints.STATE));
    }

    private static Path thetaFile(Path theta, String name) throws IOException {
        try (Stream<Path> all = Files.walk(theta)) {
            return all.filter(p -> p.getFileName().toString().equals(name))
                    .findFirst()
                    .orElseThrow();
        }
    }

    private static void flipByte(Path file, int offset) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[offset] ^= (byte) 0x5a;
        Files.write(file, b);
    }

    /** Makes {@code p} read-only; skips the row where that has no effect (running as root). */
    private static void readOnly(Path p) throws IOException {
        Files.setPosixFilePermissions(
                p,
                PosixFilePermissions.fromString(Files.isDirectory(p) ? "r-xr-xr-x" : "r--r--r--"));
        Assumptions.assumeFalse(
                Files.isWritable(p), "file permissions are not enforced for this user (root?)");
    }

    /** Relative path to SHA-256 of every file (and "dir" for every directory) under {@code dir}. */
    private static SortedMap<String, String> snapshot(Path dir) {
        SortedMap<String, String> out = new TreeMap<>();
        if (!Files.exists(dir)) {
            return out;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                String rel = dir.relativize(p).toString();
                if (rel.equals(RunStatus.FILE) || rel.equals("." + RunStatus.FILE + ".crc")) {
                    continue; // the outcome of the last command, checked on its own
                }
                out.put(rel, Files.isDirectory(p) ? "dir" : Digests.sha256(Files.readAllBytes(p)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
