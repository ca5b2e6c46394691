package org.metricopt.driver.bench;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What a benchmark ran on, for the human-readable header: a figure means little without it. */
final class Machine {
    private Machine() {}

    /** One line: CPUs, CPU model, memory, Java, DJL and its PyTorch. */
    static String describe() {
        Engine engine = Engine.getEngine("PyTorch");
        return "machine: "
                + Runtime.getRuntime().availableProcessors()
                + " cpus ("
                + firstValue("/proc/cpuinfo", "model name")
                + "), memory "
                + firstValue("/proc/meminfo", "MemTotal")
                + ", java "
                + System.getProperty("java.version")
                + ", DJL "
                + Engine.getDjlVersion()
                + " on PyTorch "
                + engine.getVersion();
    }

    /** The 1, 5 and 15 minute load averages from /proc/loadavg, or "unknown". */
    static String loadAverage() {
        List<String> lines = read("/proc/loadavg");
        if (lines.isEmpty()) {
            return "unknown";
        }
        String[] f = lines.get(0).trim().split("\\s+");
        return f.length >= 3 ? f[0] + " " + f[1] + " " + f[2] : "unknown";
    }

    private static String firstValue(String file, String key) {
        for (String line : read(file)) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                return line.substring(colon + 1).trim();
            }
        }
        return "unknown";
    }

    private static List<String> read(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException e) {
            return List.of();
        }
    }
}
