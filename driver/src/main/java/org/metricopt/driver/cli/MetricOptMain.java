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
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.ThetaStore;
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
        versionProvider = MetricOptMain.Version.class,
        description = "Meta-learning to optimise black-box metrics (MetricOpt) on Apache Spark.",
        subcommands = {MetricOptMain.Pretrain.class, MetricOptMain.Finetune.class})
public final class MetricOptMain implements Callable<Integer> {
    static final PrintStream OUT = System.out;

    public static void main(String[] args) {
        System.exit(execute(args));
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
        cli.setExitCodeExceptionMapper(ex -> ErrorClass.INVALID_ARGUMENT.exitCode());
        return cli.execute(args);
    }

    static int report(Exception ex, boolean verbose) {
        MetricOptException moe = find(ex);
        if (moe != null) {
            System.err.println("metricopt: error: " + moe.getMessage());
            if (verbose) {
                ex.printStackTrace();
            }
            return moe.exitCode();
        }
        System.err.println(
                "metricopt: error: "
                        + ex.getClass().getSimpleName()
                        + ": "
                        + ex.getMessage()
                        + (verbose ? "" : " (rerun with --verbose for the stack trace)"));
        if (verbose) {
            ex.printStackTrace();
        }
        return ErrorClass.INTERNAL.exitCode();
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
            org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
            String dir = ThetaStore.directory(conf, config);
            ThetaStore.pretrain(conf, config, dir, OUT);
            return 0;
        }
    }

    @Command(
            name = "finetune",
            description =
                    "Run finetuning tasks from p(T) on Spark executors and summarise per family.")
    static final class Finetune implements Callable<Integer> {
        @Mixin CommonOptions options;

        @Override
        public Integer call() {
            MetricOptConfig config = options.load();
            SparkSession spark = SparkSessions.create(config);
            try {
                RunDirectory runDir =
                        new RunDirectory(
                                spark.sparkContext().hadoopConfiguration(),
                                options.runDir("finetune"));
                runDir.writeRunJson(
                        "finetune",
                        config,
                        Map.of(
                                "spark_version", spark.version(),
                                "spark_master", spark.sparkContext().master(),
                                "theta_dir",
                                        ThetaStore.directory(
                                                spark.sparkContext().hadoopConfiguration(),
                                                config)));
                OUT.println("run directory: " + runDir.uri());
                FinetuneJob.run(spark, config, runDir, OUT);
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    static String qualify(org.apache.hadoop.conf.Configuration conf, String uri) {
        return HadoopFiles.qualify(conf, uri);
    }
}
