package org.metricopt.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Running the project's scripts and JVMs as separate processes from the integration tests. */
final class Processes {
    /** The repository root (the tests run in {@code deploy/}). */
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    private Processes() {}

    /**
     * Runs {@code command} in the repository root with {@code env} added, its output (stdout and
     * stderr) into {@code log}; returns the exit code, or fails the test after {@code minutes}.
     */
    static int exec(Path log, Map<String, String> env, int minutes, List<String> command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        if (!p.waitFor(minutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " timed out; see " + log);
        }
        return p.exitValue();
    }
}
