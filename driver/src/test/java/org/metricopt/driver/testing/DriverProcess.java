package org.metricopt.driver.testing;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.metricopt.driver.cli.MetricOptMain;

/** The {@code metricopt} command line in a driver JVM of its own, for process-level faults. */
public final class DriverProcess {
    private DriverProcess() {}

    /**
     * Starts {@code metricopt ARGS} with this JVM's classpath and Spark {@code --add-opens} flags,
     * the given system properties ({@code name=value}), its output going to {@code log}.
     */
    public static Process start(Path log, List<String> properties, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens")) {
                cmd.add(arg);
            }
        }
        cmd.add("-Dai.djl.offline=true");
        for (String p : properties) {
            cmd.add("-D" + p);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(MetricOptMain.class.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .directory(new File(System.getProperty("user.dir")))
                .start();
    }
}
