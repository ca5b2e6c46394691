package org.metricopt.driver.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.common.valuefn.ValueLearner;

/**
 * The exported value function read by Debian's python3 with numpy alone (safetensors is a JSON
 * header and raw little-endian arrays): deploy/export/load_numpy.py computes f for inputs written
 * here, and its values equal the Java value function's f = M_0 + g. Without /usr/bin/python3 or its
 * numpy (Debian package python3-numpy, which .ci/run installs) the test fails: the README promises
 * this load.
 */
class ExportNumpyTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    /** deploy/export/load_numpy.py, found from the module directory the tests run in. */
    static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path s = dir.resolve("deploy/export/load_numpy.py");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new AssertionError(
                "deploy/export/load_numpy.py not found above " + Path.of("").toAbsolutePath());
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("%s: %s", command, text).isZero();
        return text;
    }

    @Test
    void numpyAloneComputesTheJavaValueFunction(@TempDir Path tmp)
            throws IOException, InterruptedException {
        assertThat(PYTHON)
                .as("Debian's python3 (apt-get install python3-numpy; .ci/run does)")
                .isExecutable();
        run(List.of(PYTHON.toString(), "-c", "import numpy"));

        ExportFixture f = ExportFixture.create(tmp, false);
        Path out = tmp.resolve("export");
        ExportFixture.Outcome r =
                ExportFixture.execute("export", "--run-dir", f.runUri(), "--out", out.toString());
        assertThat(r.exitCode()).as(r.stderr()).isZero();

        ValueLearner learner = ValueLearner.of(f.config());
        int n = learner.inputs();
        int d = n - learner.contextSize();
        float[][] xs = f.inputs(3, 17);
        double[] expected = new double[xs.length];
        try (NDManager m = NDManager.newBaseManager();
                ValueFunction vf =
                        new ValueFunction(
                                m,
                                n,
                                d,
                                f.config().valueFunction().hidden(),
                                f.scaler(),
                                f.models().valueWeights())) {
            for (int i = 0; i < xs.length; i++) {
                expected[i] = learner.offset(f.initialMetric(xs[i])) + vf.predict(xs[i])[0];
            }
        }
        assertThat(f.config().valueFunction().residual()).as("f = M_0 + g is exercised").isTrue();

        // Floats in their shortest exact decimal form, one x per line.
        List<String> lines = new ArrayList<>();
        for (float[] x : xs) {
            StringBuilder sb = new StringBuilder();
            for (float v : x) {
                sb.append(sb.length() == 0 ? "" : " ").append(Float.toString(v));
            }
            lines.add(sb.toString());
        }
        Path input = Files.write(tmp.resolve("x.txt"), lines);
        String printed =
                run(
                        List.of(
                                PYTHON.toString(),
                                script().toString(),
                                out.toString(),
                                "--input",
                                input.toString()));
        List<String> values = printed.lines().filter(l -> !l.isBlank()).toList();
        assertThat(values).hasSize(xs.length);
        for (int i = 0; i < xs.length; i++) {
            assertThat(Double.parseDouble(values.get(i)))
                    .as("f(x_%d): numpy against Java", i)
                    .isCloseTo(expected[i], within(1e-5));
        }

        // One x on the command line, as the README shows it ('=': x may start with a minus).
        StringBuilder csv = new StringBuilder();
        for (float v : xs[0]) {
            csv.append(csv.length() == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s", v));
        }
        String one =
                run(List.of(PYTHON.toString(), script().toString(), out.toString(), "--x=" + csv));
        assertThat(Double.parseDouble(one.trim())).isCloseTo(expected[0], within(1e-5));
    }
}
