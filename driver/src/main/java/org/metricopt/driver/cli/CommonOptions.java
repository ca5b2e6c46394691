package org.metricopt.driver.cli;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
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
            description = "Run directory (any Hadoop URI). Default: runs/<command>-<timestamp>.")
    String runDir;

    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;

    /** The command as a user would retype it, for reports. */
    String commandLine(String command) {
        StringBuilder sb = new StringBuilder("deploy/bin/metricopt ").append(command);
        if (conf != null) {
            sb.append(" --conf ").append(conf);
        }
        for (String o : overrides) {
            sb.append(" --set ").append(o);
        }
        if (runDir != null) {
            sb.append(" --run-dir ").append(runDir);
        }
        return sb.toString();
    }

    MetricOptConfig load() {
        return ConfigLoader.load(conf, overrides);
    }

    String runDir(String command) {
        if (runDir != null) {
            return runDir;
        }
        return "runs/"
                + command
                + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }
}
