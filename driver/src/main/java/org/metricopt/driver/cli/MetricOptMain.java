package org.metricopt.driver.cli;

import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.driver.FinetuneJob;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.RunStatus;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.ThetaStore;
import org.metricopt.driver.meta.MetaTestJob;
import org.metricopt.driver.meta.MetaTrainJob;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The {@code metricopt} command line. The same main class runs under {@code deploy/bin/metricopt}
 * (local mode) and under {@code spark-submit}. Exit codes: 0 success, 2 bad arguments or
 * configuration, 3 bad dataset, 4 bad checkpoint, 5 run-directory conflict, 6 metric failure, 7 too
 * many task failures, 8 I/O failure, 1 anything else.
 */
@Command(
        name = "metricopt",
        mixinStandardHelpOptions = true,
        // --help and --version on every command and subcommand ("metricopt run --help").
        scope = CommandLine.ScopeType.INHERIT,
        versionProvider = MetricOptMain.Version.class,
        description = "Meta-learning to optimise black-box metrics (MetricOpt) on Apache Spark.",
        subcommands = {
            MetricOptMain.Pretrain.class,
            MetricOptMain.Finetune.class,
            MetricOptMain.MetaTrain.class,
            MetricOptMain.MetaTest.class,
            MetricOptMain.Run.class,
            MetricOptMain.Show.class,
            ExportCommand.class,
            org.metricopt.driver.bench.BenchCommand.class,
            JupyterCommand.class
        })
public final class MetricOptMain implements Callable<Integer> {
    static final PrintStream OUT = System.out;

    static final String FORCE_NEW =
            "Start a new run even if the run directory holds one (of this or another"
                    + " configuration): the old directory is moved aside to"
                    + " <dir>.replaced-<time>, never deleted.";

    /**
     * Exits explicitly only on failure: under YARN and Kubernetes cluster mode the application
     * master reads {@code System.exit(0)} from the user's main as a failure, so a success returns
     * normally and the JVM ends when its last non-daemon thread does.
     */
    public static void main(String[] args) {
        int code = execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the command line and returns the exit code (for tests and embedding). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new MetricOptMain());
        cli.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    boolean verbose = false;
                    for (String a : args) {
                        verbose |= "--verbose".equals(a);
                    }
                    return report(ex, verbose);
                });
        cli.setParameterExceptionHandler((ex, badArgs) -> reportUsage(ex));
        cli.setExitCodeExceptionMapper(ex -> ErrorClass.INVALID_ARGUMENT.exitCode());
        return cli.execute(args);
    }

    /**
     * A malformed command line (unknown subcommand or option, missing value): one error line, like
     * every other error, instead of picocli's message followed by the whole usage text.
     */
    static int reportUsage(CommandLine.ParameterException ex) {
        StringBuilder message = new StringBuilder(String.valueOf(ex.getMessage()));
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched
                && !unmatched.getSuggestions().isEmpty()) {
            message.append("; did you mean ")
                    .append(String.join(" or ", unmatched.getSuggestions()))
                    .append('?');
        }
        message.append("; see '")
                .append(ex.getCommandLine().getCommandSpec().qualifiedName())
                .append(" --help'");
        System.err.println("metricopt: error: " + oneLine(message.toString()));
        return ErrorClass.INVALID_ARGUMENT.exitCode();
    }

    /** The first line only: Spark puts the driver's stack trace into its exception messages. */
    private static String firstLine(String message) {
        return String.valueOf(message).lines().findFirst().orElse("");
    }

    /** Errors are one line, whatever line breaks a value or a library put into the message. */
    static String oneLine(String message) {
        return String.valueOf(message).replaceAll("\\s*\\R\\s*", " ");
    }

    static int report(Exception ex, boolean verbose) {
        System.err.println(
                "metricopt: error: "
                        + describe(ex)
                        + (verbose || classify(ex) != ErrorClass.INTERNAL
                                ? ""
                                : " (rerun with --verbose for the stack trace)"));
        if (verbose) {
            ex.printStackTrace();
        }
        return classify(ex).exitCode();
    }

    /**
     * The class of an error that ended a command: a {@link MetricOptException}'s own; a file-system
     * failure that reached us unclassified (Spark's own Parquet writes) is I/O, so schedulers can
     * tell it from a bug; anything else is internal.
     */
    static ErrorClass classify(Throwable ex) {
        MetricOptException moe = find(ex);
        if (moe != null) {
            return moe.errorClass();
        }
        for (Throwable c = ex; c != null; c = c.getCause()) {
            if (c instanceof java.io.IOException) {
                return ErrorClass.IO_FAILURE;
            }
        }
        return ErrorClass.INTERNAL;
    }

    /** The one-line message of an error that ended a command (without the "error:" prefix). */
    static String describe(Throwable ex) {
        MetricOptException moe = find(ex);
        if (moe != null) {
            return oneLine(moe.getMessage());
        }
        for (Throwable c = ex; c != null; c = c.getCause()) {
            if (c instanceof java.io.IOException io) {
                return "I/O failure: "
                        + io.getClass().getSimpleName()
                        + ": "
                        + firstLine(io.getMessage());
            }
        }
        return ex.getClass().getSimpleName() + ": " + firstLine(ex.getMessage());
    }

    private static MetricOptException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof MetricOptException m) {
                return m;
            }
        }
        return null;
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(OUT);
        return ErrorClass.INVALID_ARGUMENT.exitCode();
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"metricopt " + org.metricopt.common.io.Provenance.version()};
        }
    }

    @Command(
            name = "pretrain",
            description = "Pre-train theta on the pre-training split and save it.")
    static final class Pretrain implements Callable<Integer> {
        @Mixin CommonOptions options;

        @Override
        public Integer call() {
            MetricOptConfig config = options.load();
            org.apache.hadoop.conf.Configuration conf =
                    SparkSessions.hadoopConfWithoutSpark(config);
            String dir = ThetaStore.directory(conf, config);
            ThetaStore.pretrain(conf, config, dir, OUT);
            return 0;
        }
    }

    /** A command body that runs with a Spark session and a run directory. */
    interface SparkBody {
        void run(SparkSession spark, MetricOptConfig config, RunDirectory runDir);
    }

    /**
     * Creates the session and run directory, writes run.json the first time, runs the body and
     * stops Spark.
     */
    static int withSpark(CommonOptions options, String command, SparkBody body) {
        return withSpark(options, command, false, false, body);
    }

    /**
     * As {@link #withSpark(CommonOptions, String, SparkBody)} for a command that writes a run: the
     * run directory is claimed first (see {@link RunDirectory#claim}).
     */
    static int withSpark(
            CommonOptions options,
            String command,
            boolean resume,
            boolean forceNew,
            SparkBody body) {
        MetricOptConfig config = options.load();
        // Checked before Spark starts, like the configuration.
        String runDirUri = options.runDir(command);
        boolean createsRuns = !"meta-test".equals(command) && !"show".equals(command);
        if (createsRuns) {
            RunDirectory.claim(
                    SparkSessions.hadoopConfWithoutSpark(config),
                    runDirUri,
                    org.metricopt.common.outer.ConfigFingerprint.of(config),
                    resume,
                    forceNew,
                    OUT);
        }
        String eventLogDir = null;
        if (config.spark().eventLog() && !"show".equals(command)) {
            eventLogDir = RunDirectory.eventLogDirectory(config, runDirUri);
        }
        SparkSession spark = SparkSessions.create(config, !"show".equals(command), eventLogDir);
        try {
            org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
            RunDirectory runDir = new RunDirectory(conf, runDirUri);
            if (createsRuns && !HadoopFiles.exists(conf, runDir.path(RunDirectory.RUN_JSON))) {
                runDir.writeRunJson(
                        command,
                        config,
                        Map.of(
                                "spark_version", spark.version(),
                                "spark_master", spark.sparkContext().master(),
                                "config_fingerprint",
                                        org.metricopt.common.outer.ConfigFingerprint.of(config),
                                "theta_dir", ThetaStore.directory(conf, config),
                                "command_line", options.commandLine(command)));
            }
            OUT.println(
                    "run directory: "
                            + org.metricopt.common.config.Redaction.maskUriPasswords(runDir.uri()));
            RunStatus status = "show".equals(command) ? null : RunStatus.start(runDir, command);
            try {
                body.run(spark, config, runDir);
            } catch (RuntimeException | Error e) {
                if (status != null) {
                    status.failed(classify(e), describe(e));
                }
                throw e;
            }
            if (status != null) {
                status.succeeded();
            }
            return 0;
        } finally {
            spark.stop();
        }
    }

    /**
     * {@code meta-train --resume} on a directory without a complete checkpoint (a mistyped path,
     * say) is an error naming the directory, found before Spark starts; {@code run} keeps resuming
     * only when there is something to resume.
     */
    static void requireCheckpoint(CommonOptions options) {
        MetricOptConfig config = options.load();
        String uri = options.runDir("meta-train");
        if (org.metricopt.driver.meta.Checkpoints.latest(
                        SparkSessions.hadoopConfWithoutSpark(config), uri)
                .isEmpty()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "meta-train --resume: run directory "
                            + org.metricopt.common.config.Redaction.maskUriPasswords(uri)
                            + " has no complete checkpoint to resume; check the path, start it"
                            + " without --resume, or use 'run', which resumes only when there is a"
                            + " checkpoint");
        }
    }

    @Command(
            name = "finetune",
            description =
                    "Run finetuning tasks from p(T) on Spark executors and summarise per family.")
    static final class Finetune implements Callable<Integer> {
        @Mixin CommonOptions options;

        @CommandLine.Option(names = "--force-new", description = FORCE_NEW)
        boolean forceNew;

        @Override
        public Integer call() {
            return withSpark(
                    options,
                    "finetune",
                    false,
                    forceNew,
                    (spark, config, runDir) -> FinetuneJob.run(spark, config, runDir, OUT));
        }
    }

    @Command(
            name = "meta-train",
            description = "Meta-train the value function with Reptile (MetricOpt SGD/Adam).")
    static final class MetaTrain implements Callable<Integer> {
        @Mixin CommonOptions options;

        @CommandLine.Option(
                names = "--resume",
                description = "Continue from the last complete checkpoint.")
        boolean resume;

        @CommandLine.Option(names = "--force-new", description = FORCE_NEW)
        boolean forceNew;

        @Override
        public Integer call() {
            if (resume) {
                requireCheckpoint(options);
            }
            return withSpark(
                    options,
                    "meta-train",
                    resume,
                    forceNew,
                    (spark, config, runDir) ->
                            MetaTrainJob.run(spark, config, runDir, resume, OUT));
        }
    }

    @Command(
            name = "meta-test",
            description =
                    "Evaluate every method on held-out tasks and write eval/ (needs a meta-trained run).")
    static final class MetaTest implements Callable<Integer> {
        @Mixin CommonOptions options;

        @Override
        public Integer call() {
            return withSpark(
                    options,
                    "meta-test",
                    (spark, config, runDir) ->
                            MetaTestJob.run(
                                    spark, config, runDir, options.commandLine("meta-test"), OUT));
        }
    }

    @Command(
            name = "run",
            description =
                    "pretrain (if needed) -> meta-train -> meta-test. On an existing run directory it"
                            + " resumes where the run stopped; it never starts a run over.")
    static final class Run implements Callable<Integer> {
        @Mixin CommonOptions options;

        @CommandLine.Option(names = "--force-new", description = FORCE_NEW)
        boolean forceNew;

        @Override
        public Integer call() {
            return withSpark(
                    options,
                    "run",
                    false,
                    forceNew,
                    (spark, config, runDir) -> {
                        MetaTrainJob.run(spark, config, runDir, true, OUT);
                        MetaTestJob.run(spark, config, runDir, options.commandLine("run"), OUT);
                    });
        }
    }

    @Command(
            name = "show",
            description =
                    "Print a run's per-iteration metrics (metrics/) or eval results as a table.")
    static final class Show implements Callable<Integer> {
        @Mixin CommonOptions options;

        @CommandLine.Parameters(
                index = "0",
                paramLabel = "WHAT",
                description = "metrics, trajectories or eval")
        String what;

        @Override
        public Integer call() {
            if (options.runDir == null) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT, "show needs --run-dir URI of an existing run");
            }
            String path =
                    switch (what) {
                        case "metrics" -> "metrics";
                        case "trajectories" -> "trajectories";
                        case "eval" -> "eval/results.parquet";
                        default ->
                                throw new MetricOptException(
                                        ErrorClass.INVALID_ARGUMENT,
                                        "show "
                                                + what
                                                + ": expected metrics, trajectories or eval");
                    };
            return withSpark(
                    options,
                    "show",
                    (spark, config, runDir) -> {
                        if (!HadoopFiles.exists(runDir.hadoopConf(), runDir.path(path))) {
                            throw new MetricOptException(
                                    ErrorClass.INVALID_ARGUMENT,
                                    "run directory "
                                            + runDir.uri()
                                            + " has no "
                                            + path
                                            + "; run "
                                            + ("eval".equals(what) ? "meta-test" : "meta-train")
                                            + " on it first");
                        }
                        var df = spark.read().parquet(runDir.path(path));
                        String order =
                                df.columns().length > 0 && what.equals("eval")
                                        ? "family"
                                        : "iteration";
                        df.coalesce(1).sortWithinPartitions(order).show(10_000, false);
                    });
        }
    }

    static String qualify(org.apache.hadoop.conf.Configuration conf, String uri) {
        return HadoopFiles.qualify(conf, uri);
    }
}
