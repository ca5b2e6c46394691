package org.metricopt.driver.cli;

import java.util.ArrayList;
import java.util.List;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import picocli.CommandLine.Option;

/** Options every command shares. */
public final class CommonOptions {
    @Option(
            names = "--conf",
            paramLabel = "FILE",
            description = "HOCON configuration on top of conf/defaults.conf.")
    String conf;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description =
                    "Override one configuration key (repeatable), e.g. --set inner.steps=200.")
    List<String> overrides = new ArrayList<>();

    @Option(
            names = "--run-dir",
            paramLabel = "URI",
            description =
                    "Run directory (any Hadoop URI). Commands that start a run (pretrain,"
                            + " finetune, meta-train, run) default to runs/<command>-<timestamp>;"
                            + " the others (meta-test, show, export) need an existing one.")
    String runDir;

    @Option(
            names = "--run-id",
            paramLabel = "ID",
            description =
                    "Name of the run: the run directory is runs/ID (or RUNS_ROOT/ID with"
                            + " METRICOPT_RUNS_ROOT). Rerunning 'run' with the same id resumes it.")
    String runId;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    /** The command as a user would retype it, for reports, with credentials masked. */
    String commandLine(String command) {
        StringBuilder sb = new StringBuilder("deploy/bin/metricopt ").append(command);
        if (conf != null) {
            sb.append(" --conf ").append(conf);
        }
        for (String o : overrides) {
            sb.append(" --set ").append(org.metricopt.common.config.Redaction.argument(o));
        }
        if (runDir != null) {
            sb.append(" --run-dir ")
                    .append(org.metricopt.common.config.Redaction.maskUriPasswords(runDir));
        }
        if (runId != null) {
            sb.append(" --run-id ").append(runId);
        }
        return sb.toString();
    }

    MetricOptConfig load() {
        return ConfigLoader.load(conf, overrides);
    }

    String runDir(String command) {
        if (runDir != null && runId != null) {
            throw new org.metricopt.common.errors.MetricOptException(
                    org.metricopt.common.errors.ErrorClass.INVALID_ARGUMENT,
                    "--run-dir "
                            + runDir
                            + " and --run-id "
                            + runId
                            + " both name the run; give one");
        }
        if (runDir != null) {
            return runDir;
        }
        if (runId != null) {
            if (!runId.matches("[A-Za-z0-9._-]+")) {
                throw new org.metricopt.common.errors.MetricOptException(
                        org.metricopt.common.errors.ErrorClass.INVALID_ARGUMENT,
                        "--run-id " + runId + ": use letters, digits, '.', '_' and '-' only");
            }
            String root = System.getenv("METRICOPT_RUNS_ROOT");
            return (root == null || root.isBlank() ? "runs" : root.replaceAll("/+$", ""))
                    + "/"
                    + runId;
        }
        return "runs/" + command + "-" + org.metricopt.driver.RunDirectory.timestamp();
    }
}
