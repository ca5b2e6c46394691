package org.metricopt.driver.cli;

import java.util.concurrent.Callable;
import org.metricopt.common.config.Redaction;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.export.ModelExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code metricopt export --run-dir URI --out URI [--force]}: writes the run's θ, value function
 * and learned optimizer as safetensors files with JSON descriptions ({@link ModelExport}). No
 * Spark: the run is read through the Hadoop FileSystem API. The models' configuration is the run's
 * own (its run.json); {@code --conf} and {@code --set} only supply Hadoop client settings (the
 * {@code hadoop} block) for reading the run and writing the export.
 */
@Command(
        name = "export",
        description =
                "Write a run's theta, value function (with its input scaler) and learned optimizer"
                        + " as safetensors files, each with a JSON description of its layers,"
                        + " forward pass and provenance, for tools other than MetricOpt (DJL,"
                        + " numpy). The run is --run-dir or --run-id (required); its models are"
                        + " described with the configuration in its run.json, and --conf and --set"
                        + " only supply Hadoop client settings.")
final class ExportCommand implements Callable<Integer> {
    @Mixin CommonOptions options;

    @Option(
            names = "--out",
            paramLabel = "URI",
            required = true,
            description = "Directory to write the export to (any Hadoop URI); new or empty.")
    String out;

    @Option(names = "--force", description = "Replace the contents of a non-empty --out directory.")
    boolean force;

    @Override
    public Integer call() {
        if (options.runDir == null && options.runId == null) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "export needs --run-dir URI (or --run-id ID) of a meta-trained run");
        }
        String runDir = options.runDir("export");
        String commandLine =
                options.commandLine("export")
                        + " --out "
                        + Redaction.maskUriPasswords(out)
                        + (force ? " --force" : "");
        ModelExport.export(
                SparkSessions.hadoopConfWithoutSpark(options.load()),
                runDir,
                out,
                force,
                commandLine,
                MetricOptMain.OUT);
        return 0;
    }
}
