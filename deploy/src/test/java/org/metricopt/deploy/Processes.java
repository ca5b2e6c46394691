package org.metricopt.deploy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Running the project's scripts and JVMs as separate processes from the integration tests. */
final class Processes {
    /** The repository root (the tests run in {@code deploy/}). */
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    /** The Debian packages' interpreter first: a python3 earlier on PATH may lack them. */
    private static final List<String> PYTHONS = List.of("/usr/bin/python3", "python3");

    private Processes() {}

    /**
     * A python3 that has nbclient, nbformat and jupyter_client (a real Jupyter client, for {@code
     * deploy/notebooks/execute.py}), or null; its check's output goes to {@code log}.
     */
    static String jupyterPython(Path log) throws InterruptedException {
        for (String python : PYTHONS) {
            try {
                int rc =
                        exec(
                                log,
                                Map.of(),
                                1,
                                List.of(python, "-c", "import nbclient, nbformat, jupyter_client"));
                if (rc == 0) {
                    return python;
                }
            } catch (IOException e) {
                // Not installed under this name; try the next.
            }
        }
        return null;
    }

    /**
     * {@link #jupyterPython}, or the test is skipped, saying which Debian packages give it (.ci/run
     * installs them).
     */
    static String requireJupyterPython(Path log) throws InterruptedException {
        String python = jupyterPython(log);
        Assumptions.assumeTrue(
                python != null,
                "skipped: no python3 with nbclient, nbformat and jupyter_client; install the Debian"
                        + " packages jupyter-client python3-nbclient python3-nbformat (.ci/run"
                        + " does)");
        return python;
    }

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
