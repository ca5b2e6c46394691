package org.metricopt.common.io;

import ai.djl.engine.Engine;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where a result came from, in the manner of Tribuo: library, Java and OS versions and the CPU,
 * because floating-point results can differ by platform, plus the source commit when known.
 */
public final class Provenance {
    private Provenance() {}

    public static Map<String, Object> collect() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("created", Instant.now().toString());
        p.put("metricopt_version", version());
        p.put("git_commit", gitCommit());
        p.put("java_version", System.getProperty("java.version"));
        p.put("java_vendor", System.getProperty("java.vendor"));
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        p.put("arch", System.getProperty("os.arch"));
        p.put("cpus", Runtime.getRuntime().availableProcessors());
        p.put("djl_version", Engine.getDjlVersion());
        return p;
    }

    public static String version() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    /** The commit of the working tree, from METRICOPT_GIT_COMMIT or git itself, else "unknown". */
    public static String gitCommit() {
        String env = System.getenv("METRICOPT_GIT_COMMIT");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            Process proc =
                    new ProcessBuilder("git", "rev-parse", "HEAD")
                            .directory(new File("."))
                            .redirectErrorStream(true)
                            .start();
            String line;
            try (BufferedReader r =
                    new BufferedReader(
                            new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
                line = r.readLine();
            }
            if (proc.waitFor(5, TimeUnit.SECONDS)
                    && proc.exitValue() == 0
                    && line != null
                    && line.matches("[0-9a-f]{40}")) {
                return line;
            }
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return "unknown";
    }
}
