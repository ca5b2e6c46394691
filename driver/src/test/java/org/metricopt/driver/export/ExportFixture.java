package org.metricopt.driver.export;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.outer.ConfigFingerprint;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.TaskFeatures;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.common.valuefn.ValueLearner;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.ThetaStore;
import org.metricopt.driver.cli.MetricOptMain;
import org.metricopt.driver.meta.Checkpoints;
import org.metricopt.driver.testing.TinyConf;

/**
 * A run directory to export, made in well under a second: the tiny configuration with its random
 * theta, a run.json, and one complete checkpoint whose value function, scaler and learned optimizer
 * hold random values (no meta-training), so every weight of every layer matters.
 */
record ExportFixture(
        MetricOptConfig config, String runUri, CheckpointModels models, Theta theta, Path dir) {

    static ExportFixture create(Path dir, boolean learned, String... extraLines)
            throws IOException {
        List<String> lines = new java.util.ArrayList<>(List.of(extraLines));
        lines.add(learned ? "learned-optimizer.enabled = true" : "seed = 3");
        Path conf = TinyConf.write(dir, lines.toArray(String[]::new));
        MetricOptConfig config = ConfigLoader.load(conf.toString(), List.of());
        Configuration hadoop = new Configuration();
        String runUri = dir.resolve("run").toUri().toString().replaceAll("/+$", "");
        new RunDirectory(hadoop, runUri)
                .writeRunJson(
                        "meta-train",
                        config,
                        Map.of(
                                "config_fingerprint", ConfigFingerprint.of(config),
                                "theta_dir", ThetaStore.directory(hadoop, config)));
        int n = ValueLearner.of(config).inputs();
        SplittableRandom rng = new SplittableRandom(11);
        float[] mean = new float[n];
        float[] std = new float[n];
        for (int i = 0; i < n; i++) {
            mean[i] = (float) (rng.nextGaussian() * 0.3);
            std[i] = (float) (0.5 + rng.nextDouble() * 1.5);
        }
        MetaState state =
                MetaLearner.initialState(config)
                        .with(3, MetaState.SCALER_MEAN, mean)
                        .with(3, MetaState.SCALER_STD, std)
                        .with(
                                3,
                                MetaState.VALUE_WEIGHTS,
                                noise(
                                        ValueFunction.size(n, config.valueFunction().hidden()),
                                        0.4,
                                        rng));
        if (learned) {
            state =
                    state.with(
                            3,
                            MetaState.LEARNED_WEIGHTS,
                            noise(
                                    LearnedOptimizer.size(config.learnedOptimizer().hidden()),
                                    0.5,
                                    rng));
        }
        Checkpoints.write(hadoop, runUri, state);
        Theta theta = Theta.load(hadoop, ThetaStore.directory(hadoop, config), config.network());
        return new ExportFixture(config, runUri, CheckpointModels.of(state, "fixture"), theta, dir);
    }

    private static float[] noise(int size, double scale, SplittableRandom rng) {
        float[] w = new float[size];
        for (int i = 0; i < size; i++) {
            w[i] = (float) (rng.nextGaussian() * scale);
        }
        return w;
    }

    InputScaler scaler() {
        return new InputScaler(models.scalerMean(), models.scalerStd());
    }

    /**
     * {@code rows} inputs x = [phi, c] of tasks of the run's families: random phi and task
     * features, M_0 in (0.1, 0.5).
     */
    float[][] inputs(int rows, long seed) {
        ValueLearner learner = ValueLearner.of(config);
        List<String> families = ValueLearner.families(config);
        int d = learner.inputs() - learner.contextSize();
        SplittableRandom rng = new SplittableRandom(seed);
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            float[] phi = new float[d];
            for (int i = 0; i < d; i++) {
                phi[i] = (float) (rng.nextGaussian() * 0.2);
            }
            float[] features = new float[TaskFeatures.SIZE];
            for (int i = 0; i < features.length; i++) {
                features[i] = (float) rng.nextDouble();
            }
            float[] c =
                    learner.context(
                            families.get(r % families.size()),
                            0.1 + 0.4 * rng.nextDouble(),
                            features,
                            scaler());
            out[r] = org.metricopt.common.valuefn.Inputs.row(phi, c);
        }
        return out;
    }

    /** M_0 of an input row, as the value function's context holds it. */
    double initialMetric(float[] x) {
        ValueLearner learner = ValueLearner.of(config);
        int d = learner.inputs() - learner.contextSize();
        return x[d + ValueLearner.families(config).size()];
    }

    /** Exit code and stderr of one command line. */
    record Outcome(int exitCode, String stderr) {}

    static Outcome execute(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
        try {
            int code = MetricOptMain.execute(args);
            return new Outcome(code, errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(err);
        }
    }
}
