package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/** An external-command metric: its protocol, its clean environment and its timeout. */
class CommandMetricTest {
    @TempDir Path tmp;

    private static final Predictions BINARY =
            new Predictions(new float[] {2.5f, -1.25f, 0.5f, -3f}, 1, new int[] {1, 0, 0, 1});

    private Metric command(String script) throws IOException {
        Path file = tmp.resolve("metric.sh");
        Files.writeString(file, script);
        return TimedMetric.wrap(Metrics.load("command:/bin/sh " + file), 0);
    }

    @Test
    void computesTheMetricFromThePredictionsOnStandardInput() throws IOException {
        // Misclassification rate of log-odds, computed by awk from the documented format.
        Metric m =
                command(
                        "awk 'NR==1 {n=$1; next} {pred = ($2 > 0) ? 1 : 0; if (pred != $1) e++}"
                                + " END {print e / n}'\n");
        assertThat(Metrics.evaluateChecked(m, BINARY))
                .isEqualTo(new MisclassificationRate().evaluate(BINARY));
        assertThat(m.id()).startsWith("command:/bin/sh ");
    }

    @Test
    void passesScoresExactlyAndMulticlassRowsInOrder() throws IOException {
        Path copy = tmp.resolve("copy.tsv");
        Metric m = command("cat > " + copy + "\necho 0.25\n");
        Predictions multi =
                new Predictions(new float[] {0.1f, 1e-7f, -2f, 3.5f, 0f, 1f}, 3, new int[] {2, 0});
        assertThat(m.evaluate(multi)).isEqualTo(0.25);
        assertThat(Files.readAllLines(copy))
                .containsExactly("2 3", "2\t0.1\t1.0E-7\t-2.0", "0\t3.5\t0.0\t1.0");
    }

    @Test
    void runsInACleanEnvironmentAndAPrivateDirectoryThatIsRemoved() throws IOException {
        Path envFile = tmp.resolve("env.txt");
        Path pwdFile = tmp.resolve("pwd.txt");
        Metric m = command("env > " + envFile + "\npwd > " + pwdFile + "\necho 0.5\n");
        assertThat(m.evaluate(BINARY)).isEqualTo(0.5);
        Map<String, String> env = new TreeMap<>();
        for (String line : Files.readAllLines(envFile)) {
            int eq = line.indexOf('=');
            env.put(line.substring(0, eq), line.substring(eq + 1));
        }
        String dir = Files.readString(pwdFile).strip();
        // sh itself adds PWD (and may add SHLVL / _); nothing of this JVM's environment leaks.
        env.keySet().removeAll(List.of("PWD", "SHLVL", "_", "OLDPWD"));
        assertThat(env)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of(
                                "PATH",
                                CommandMetric.PATH,
                                "LANG",
                                "C.UTF-8",
                                "HOME",
                                dir,
                                "TMPDIR",
                                dir));
        assertThat(System.getenv()).containsKey("PATH"); // the JVM has an environment to leak
        assertThat(Path.of(dir)).doesNotExist();
    }

    @Test
    void aProgramThatHangsIsKilledWithItsChildrenAtTheTimeout() throws IOException {
        Path pidFile = tmp.resolve("child.pid");
        Metric m =
                TimedMetric.wrap(
                        Metrics.load(
                                "command:/bin/sh "
                                        + Files.writeString(
                                                tmp.resolve("hang.sh"),
                                                "sleep 600 &\necho $! > " + pidFile + "\nwait\n")),
                        500);
        long start = System.nanoTime();
        assertThatThrownBy(() -> m.evaluate(BINARY))
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("inner.metric-timeout-ms = 500")
                .hasMessageContaining("killed");
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(30);
        long child = Long.parseLong(Files.readString(pidFile).strip());
        // The kill is a signal: allow the kernel a moment to carry it out.
        long until = System.nanoTime() + 5_000_000_000L;
        while (running(child) && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(running(child)).as("the program's child process").isFalse();
    }

    /** Alive and not a zombie (a killed orphan may wait for a reaper that a container lacks). */
    private static boolean running(long pid) throws IOException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            return false;
        }
        if (!Files.exists(stat)) {
            return true;
        }
        String s = Files.readString(stat);
        return s.charAt(s.lastIndexOf(')') + 2) != 'Z';
    }

    @Test
    void failuresAreOneLineMetricFailuresNamingTheCommand() throws IOException {
        Metric exits = command("echo 'boom\nat line 2' >&2\nexit 3\n");
        assertThatThrownBy(() -> exits.evaluate(BINARY))
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.METRIC_FAILURE))
                .hasMessageContaining("exited with status 3")
                .hasMessageContaining("boom at line 2")
                .hasMessageNotContaining("\n");
        Metric garbage = command("echo not-a-number\n");
        assertThatThrownBy(() -> garbage.evaluate(BINARY)).hasMessageContaining("not-a-number");
        Metric missing = Metrics.load("command:/nonexistent/metric-program");
        assertThatThrownBy(() -> missing.evaluate(BINARY))
                .hasMessageContaining("cannot start /nonexistent/metric-program");
        Metric outOfRange = command("echo 7\n");
        assertThatThrownBy(() -> Metrics.evaluateChecked(outOfRange, BINARY))
                .hasMessageContaining("outside its declared range");
        assertThatThrownBy(() -> Metrics.load("command:  "))
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("no program given");
    }

    @Test
    void alwaysHasATimeout() {
        Metric m = TimedMetric.wrap(Metrics.load("command:/bin/true"), 0);
        assertThat(((CommandMetric) m).timeoutMs()).isEqualTo(CommandMetric.DEFAULT_TIMEOUT_MS);
        assertThat(
                        ((CommandMetric) TimedMetric.wrap(Metrics.load("command:/bin/true"), 1234))
                                .timeoutMs())
                .isEqualTo(1234);
    }
}
