package org.metricopt.common.metrics;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * A black-box metric computed by an external program, configured as {@code metric =
 * "command:PROGRAM ARG..."} (split on whitespace). For metrics that already exist as a script, in
 * any language, without writing a Java plug-in.
 *
 * <p>Protocol: the program reads the predictions on standard input, a first line {@code N C} (N
 * examples, C = 1 for a binary task's log-odds, else the number of classes), then N lines {@code
 * LABEL SCORE...} separated by tabs; it prints one number, the metric (lower is better, in [0, 1]),
 * on standard output and exits 0.
 *
 * <p>The program runs untrusted, so it gets a timeout and a clean environment: it is killed with
 * its child processes when it runs longer than {@code timeoutMs} ({@code inner.metric-timeout-ms},
 * or {@link #DEFAULT_TIMEOUT_MS} when that is 0); it sees only {@code PATH=/usr/local/bin:/usr/bin:
 * /bin}, {@code LANG=C.UTF-8}, and a fresh private directory as working directory, {@code HOME} and
 * {@code TMPDIR}, deleted afterwards. Nothing of the executor's environment (Hadoop, Spark or cloud
 * credentials) is passed on.
 */
public final class CommandMetric implements Metric {
    private static final long serialVersionUID = 1L;

    /** The prefix that selects this metric in the configuration. */
    public static final String PREFIX = "command:";

    /** The timeout when {@code inner.metric-timeout-ms} is 0 (no timeout for in-JVM metrics). */
    public static final long DEFAULT_TIMEOUT_MS = 600_000;

    static final String PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final int MAX_OUTPUT_CHARS = 300;

    private final String id;
    private final List<String> argv;
    private final long timeoutMs;

    private CommandMetric(String id, List<String> argv, long timeoutMs) {
        this.id = id;
        this.argv = List.copyOf(argv);
        this.timeoutMs = timeoutMs;
    }

    /** Parses {@code command:PROGRAM ARG...}. */
    static CommandMetric parse(String name) {
        String rest = name.substring(PREFIX.length()).trim();
        if (rest.isEmpty()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_CONFIG,
                    Metrics.CONFIG_KEY
                            + " = \""
                            + name
                            + "\": no program given; write command:PROGRAM ARG..., for example"
                            + " command:/usr/bin/python3 /opt/metrics/f2.py");
        }
        return new CommandMetric(name, List.of(rest.split("\\s+")), DEFAULT_TIMEOUT_MS);
    }

    /** The same metric with another timeout ({@code <= 0}: {@link #DEFAULT_TIMEOUT_MS}). */
    public CommandMetric withTimeout(long ms) {
        return new CommandMetric(id, argv, ms > 0 ? ms : DEFAULT_TIMEOUT_MS);
    }

    public long timeoutMs() {
        return timeoutMs;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public double evaluate(Predictions p) {
        Path dir;
        try {
            dir = Files.createTempDirectory("metricopt-metric-");
        } catch (IOException e) {
            throw failure("cannot create its working directory: " + e.getMessage(), e);
        }
        Process process = null;
        try {
            Path input = dir.resolve("predictions.tsv");
            Path stdout = dir.resolve("stdout.txt");
            Path stderr = dir.resolve("stderr.txt");
            writePredictions(p, input);
            ProcessBuilder pb =
                    new ProcessBuilder(argv)
                            .directory(dir.toFile())
                            .redirectInput(input.toFile())
                            .redirectOutput(stdout.toFile())
                            .redirectError(stderr.toFile());
            Map<String, String> env = pb.environment();
            env.clear();
            env.put("PATH", PATH);
            env.put("LANG", "C.UTF-8");
            env.put("HOME", dir.toString());
            env.put("TMPDIR", dir.toString());
            try {
                process = pb.start();
            } catch (IOException e) {
                throw failure("cannot start " + argv.get(0) + ": " + e.getMessage(), e);
            }
            boolean finished;
            try {
                finished = process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failure("interrupted; the program was killed", e);
            }
            if (!finished) {
                throw failure(
                        "did not finish within inner.metric-timeout-ms = "
                                + timeoutMs
                                + "; the program and its children were killed",
                        null);
            }
            if (process.exitValue() != 0) {
                throw failure(
                        "exited with status "
                                + process.exitValue()
                                + (readTail(stderr).isEmpty() ? "" : ": " + readTail(stderr)),
                        null);
            }
            String out = readTail(stdout);
            try {
                return Double.parseDouble(out);
            } catch (NumberFormatException e) {
                throw failure(
                        "printed \"" + out + "\" where one number was expected on standard output",
                        e);
            }
        } catch (IOException e) {
            throw failure("I/O failure: " + e.getMessage(), e);
        } finally {
            if (process != null) {
                killTree(process);
            }
            deleteQuietly(dir);
        }
    }

    private MetricOptException failure(String what, Throwable cause) {
        return new MetricOptException(
                ErrorClass.METRIC_FAILURE,
                "metric \"" + id + "\" " + what.replaceAll("\\s*\\R\\s*", " "),
                cause);
    }

    static void writePredictions(Predictions p, Path file) throws IOException {
        int c = p.numClasses();
        float[] s = p.scores();
        int[] labels = p.labels();
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(labels.length + " " + c + "\n");
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < labels.length; i++) {
                line.setLength(0);
                line.append(labels[i]);
                for (int j = 0; j < c; j++) {
                    line.append('\t').append(s[i * c + j]);
                }
                w.write(line.append('\n').toString());
            }
        }
    }

    private static String readTail(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        return text.length() <= MAX_OUTPUT_CHARS
                ? text
                : "..." + text.substring(text.length() - MAX_OUTPUT_CHARS);
    }

    /**
     * Kills the children first (once the program is gone they would be re-parented and lost), then
     * the program, and waits a little for them to be gone, so the tree is dead when this returns.
     */
    private static void killTree(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
            for (ProcessHandle child : children) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    child.onExit().get(left, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException
                        | java.util.concurrent.ExecutionException e) {
                    // An orphan nobody reaps stays a zombie: it is dead, only not collected.
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(CommandMetric::delete);
        } catch (IOException | UncheckedIOException e) {
            // A temporary directory that cannot be removed is not worth failing the metric for.
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
