package org.metricopt.driver.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.testing.Fixtures;

/**
 * The tiny configuration file that command-line tests run in seconds: small splits, 10 steps, a
 * narrow value function, one lr on the grid, and a random theta saved under {@code dir/theta} so
 * nothing is pre-trained. Extra HOCON lines come last and so override the base ones.
 */
public final class TinyConf {
    private TinyConf() {}

    /** Writes {@code dir/tiny.conf} and the random theta it points at; returns the file. */
    public static Path write(Path dir, String... extraLines) throws IOException {
        Path theta = dir.resolve("theta");
        List<String> lines =
                new ArrayList<>(
                        List.of(
                                "spark.master = \"local[2]\"",
                                "data.pretrain-count = 2000",
                                "tasks { train-size = 200, val-size = 100, test-size = 100 }",
                                "inner { steps = 10, batch-size = 16, observe-fraction = 0.3 }",
                                "meta-train { iterations = 2, tasks-per-iteration = 3,"
                                        + " checkpoint-every = 1 }",
                                "value-function.hidden = 8",
                                "eval { tasks-per-family = 2, validation-tasks-per-family = 1,"
                                        + " lr-grid = [1.0] }",
                                "pretrain.path = \"" + theta.toUri() + "\""));
        lines.addAll(List.of(extraLines));
        lines.add("");
        Path conf = dir.resolve("tiny.conf");
        Files.writeString(conf, String.join("\n", lines));
        MetricOptConfig config = ConfigLoader.load(conf.toString(), List.of());
        Fixtures.saveRandomTheta(config, theta);
        return conf;
    }
}
