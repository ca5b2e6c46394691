package org.metricopt.common.io;

import ai.djl.engine.Engine;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Where a result came from, in the manner of Tribuo: library, Java and OS versions and the CPU,
 * because floating-point results can differ by platform, plus the source commit when known.
 */
public final class Provenance {
    /** Written by the build (common/pom.xml, profile git-commit) where the sources are in git. */
    static final String BUILD_PROPERTIES = "metricopt/build.properties";

    /** The PyTorch native library's own description, inside DJL's native jar. */
    private static final String PYTORCH_PROPERTIES = "native/lib/pytorch.properties";

    private static final String UNKNOWN = "unknown";

    private Provenance() {}

    public static Map<String, Object> collect() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("created", Instant.now().toString());
        p.put("metricopt_version", version());
        p.put("git_commit", gitCommit());
        p.put("git_dirty", gitDirty());
        p.put("java_version", System.getProperty("java.version"));
        p.put("java_vendor", System.getProperty("java.vendor"));
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        p.put("arch", System.getProperty("os.arch"));
        p.put("cpus", Runtime.getRuntime().availableProcessors());
        p.put("djl_version", Engine.getDjlVersion());
        p.put("pytorch_version", pytorchVersion());
        p.put("hadoop_version", hadoopVersion());
        return p;
    }

    public static String version() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    /**
     * The source commit: METRICOPT_GIT_COMMIT when set, else the commit the build recorded in the
     * jar (so a jar knows its commit wherever it runs), else that of a git checkout in the working
     * directory, else "unknown".
     */
    public static String gitCommit() {
        String env = System.getenv("METRICOPT_GIT_COMMIT");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        String built = buildProperty("git.commit");
        if (built != null && built.matches("[0-9a-f]{40}")) {
            return built;
        }
        return runtimeGitCommit();
    }

    /**
     * Whether the build's working tree had uncommitted changes to tracked files ("true"/"false"),
     * "unknown" where the build recorded no commit.
     */
    public static String gitDirty() {
        String dirty = buildProperty("git.dirty");
        return "true".equals(dirty) || "false".equals(dirty) ? dirty : UNKNOWN;
    }

    private static String buildProperty(String key) {
        try (InputStream in =
                Provenance.class.getClassLoader().getResourceAsStream(BUILD_PROPERTIES)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            String v = p.getProperty(key);
            return v == null ? null : v.trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static String runtimeGitCommit() {
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
            return UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return UNKNOWN;
    }

    /**
     * The version of the PyTorch native library on the classpath (DJL's native jar), read from its
     * properties without loading the engine: loading it here, before {@code EngineSetup} has set
     * the thread counts, would fix them at PyTorch's defaults for the whole JVM. A caller that has
     * loaded the engine may prefer {@code Engine.getEngine("PyTorch").getVersion()}.
     */
    public static String pytorchVersion() {
        try (InputStream in =
                Provenance.class.getClassLoader().getResourceAsStream(PYTORCH_PROPERTIES)) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            if (v == null || v.isBlank()) {
                return UNKNOWN;
            }
            // "2.7.1-20250812": the release, then the date of DJL's build of it.
            int dash = v.indexOf('-');
            return dash > 0 ? v.substring(0, dash) : v.trim();
        } catch (IOException e) {
            return UNKNOWN;
        }
    }

    /** Hadoop's client version, "unknown" where Hadoop is not on the classpath. */
    public static String hadoopVersion() {
        try {
            return org.apache.hadoop.util.VersionInfo.getVersion();
        } catch (LinkageError e) {
            return UNKNOWN;
        }
    }
}
