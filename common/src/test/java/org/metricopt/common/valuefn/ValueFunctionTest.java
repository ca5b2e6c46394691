package org.metricopt.common.valuefn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.ValueFunctionConfig;

/**
 * The value function on synthetic trajectories where the target is a known smooth function of phi:
 * phi_t = t * direction and M_t = 0.5 - 0.01 t, a metric that improves along the path.
 */
class ValueFunctionTest {
    private static final int D = 4;
    private static final int H = 8;
    private static final int N = 41;
    private static final float[] DIRECTION = {0.05f, -0.02f, 0.01f, 0.03f};

    private static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    /** An absolute value function of phi alone with the given loss weights. */
    static ValueFunctionConfig config(
            double sigma0, double rankWeight, double pairWeight, int steps, double alpha) {
        return new ValueFunctionConfig(
                H,
                sigma0,
                rankWeight,
                0.02,
                64,
                steps,
                alpha,
                10.0,
                0.5,
                1.0,
                0.01,
                ValueFunctionConfig.ABSOLUTE,
                false,
                0.05,
                pairWeight,
                false,
                ValueFunctionConfig.SGD,
                0.001,
                steps,
                alpha,
                ValueFunctionConfig.ADD,
                ValueFunctionConfig.FAN_IN,
                new double[] {1e-6, 1e-3, 1e-2});
    }

    private static ValueFunctionConfig config(
            double sigma0, double rankWeight, int steps, double alpha) {
        return config(sigma0, rankWeight, 0.0, steps, alpha);
    }

    /** L_v data on the path, every point an observation, weights 1 / (std^2 + sigma0^2). */
    private static ValueFunction.Data data(
            float[] phis, double[] target, double[] std, double sigma0) {
        double[] w = new double[target.length];
        int[] obs = new int[target.length];
        for (int t = 0; t < w.length; t++) {
            w[t] = 1.0 / (std[t] * std[t] + sigma0 * sigma0);
            obs[t] = t;
        }
        return new ValueFunction.Data(
                phis, target, w, obs, new float[0], new float[0], new double[0]);
    }

    private static float[] path() {
        float[] phis = new float[N * D];
        for (int t = 0; t < N; t++) {
            for (int k = 0; k < D; k++) {
                phis[t * D + k] = t * DIRECTION[k];
            }
        }
        return phis;
    }

    private static double[] target() {
        double[] y = new double[N];
        for (int t = 0; t < N; t++) {
            y[t] = 0.5 - 0.01 * t;
        }
        return y;
    }

    private static double[] constantStd(double s) {
        double[] std = new double[N];
        Arrays.fill(std, s);
        return std;
    }

    private static InputScaler scaler() {
        return InputScaler.fit(new float[][] {path()}, D, 0.01);
    }

    private static double spearman(float[] predictions, double[] target) {
        double[] p = new double[predictions.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = predictions[i];
        }
        return new SpearmansCorrelation().correlation(p, target);
    }

    private static double meanSquaredError(float[] predictions, double[] target) {
        double s = 0;
        for (int i = 0; i < target.length; i++) {
            s += (predictions[i] - target[i]) * (predictions[i] - target[i]);
        }
        return s / target.length;
    }

    private static ValueFunction fresh(long seed) {
        return new ValueFunction(
                manager, D, H, scaler(), ValueFunction.initialise(D, H, seed, 0.3f));
    }

    @Test
    void gradientInPhiMatchesCentralFiniteDifferences() {
        InputScaler scaler =
                new InputScaler(
                        new float[] {0.1f, -0.2f, 0f, 0.3f}, new float[] {0.5f, 2f, 1f, 0.8f});
        try (ValueFunction f =
                new ValueFunction(
                        manager, D, H, scaler, ValueFunction.initialise(D, H, 11L, 0.3f))) {
            float[] phi = {0.3f, -0.4f, 0.7f, 0.1f};
            float[] grad = new float[D];
            double value = f.valueAndGradient(phi, grad);
            assertThat(value).isCloseTo(f.predict(phi)[0], within(1e-6));
            double eps = 1e-2;
            for (int k = 0; k < D; k++) {
                float[] plus = phi.clone();
                float[] minus = phi.clone();
                plus[k] += (float) eps;
                minus[k] -= (float) eps;
                double fd = (f.predict(plus)[0] - f.predict(minus)[0]) / (plus[k] - minus[k]);
                assertThat((double) grad[k]).as("d f / d phi_%d", k).isCloseTo(fd, within(2e-3));
            }
            assertThat(grad).as("a non-trivial gradient").isNotEqualTo(new float[D]);
        }
    }

    @Test
    void adaptationLowersTheLossAndImprovesTheRankCorrelation() {
        ValueFunctionConfig cfg = config(0.05, 1.0, 30, 0.002);
        try (ValueFunction f = fresh(3L)) {
            float[] before = f.predict(path());
            double rhoBefore = spearman(before, target());
            assertThat(rhoBefore).as("the initial f does not rank the path yet").isLessThan(0.5);
            ValueFunction.Adaptation a =
                    f.adapt(
                            data(path(), target(), constantStd(0.01), cfg.sigma0()),
                            cfg.adaptSteps(),
                            cfg.adaptLearningRate(),
                            cfg,
                            new SplittableRandom(5));
            float[] after = f.predict(path());
            double rhoAfter = spearman(after, target());
            assertThat(a.lossAfter()).isLessThan(a.lossBefore());
            assertThat(rhoAfter).isGreaterThan(rhoBefore).isGreaterThan(0.9);
            assertThat(meanSquaredError(after, target()))
                    .isLessThan(meanSquaredError(before, target()));
        }
    }

    @Test
    void rankingTermAloneOrdersThePredictions() {
        // sigma0 = 1e4 makes the regression weights ~1e-8: only the ranking term moves f.
        ValueFunctionConfig cfg = config(1e4, 1.0, 30, 0.002);
        try (ValueFunction f = fresh(3L)) {
            double rhoBefore = spearman(f.predict(path()), target());
            assertThat(rhoBefore).isLessThan(0.5);
            ValueFunction.Adaptation a =
                    f.adapt(
                            data(path(), target(), constantStd(0.01), cfg.sigma0()),
                            cfg.adaptSteps(),
                            cfg.adaptLearningRate(),
                            cfg,
                            new SplittableRandom(5));
            float[] after = f.predict(path());
            assertThat(a.lossAfter()).isLessThan(a.lossBefore());
            // Targets fall along the path, so the adapted predictions must fall too.
            assertThat(spearman(after, target())).isGreaterThan(0.99);
            for (int t = 1; t < N; t++) {
                assertThat(after[t]).as("f(phi_%d) < f(phi_%d)", t, t - 1).isLessThan(after[t - 1]);
            }
        }
    }

    @Test
    void antitheticPairsAloneTeachTheDirectionOfTheMetric() {
        // The metric falls along u = (1, 0, 0, 0) and ignores the other coordinates. Only probe
        // pairs around a few points carry it: the path targets are all zero-weight.
        float[] u = {1f, 0f, 0f, 0f};
        SplittableRandom rng = new SplittableRandom(21);
        int q = 200;
        float[] plus = new float[q * D];
        float[] minus = new float[q * D];
        double[] diffs = new double[q];
        for (int i = 0; i < q; i++) {
            double along = 0;
            for (int k = 0; k < D; k++) {
                float base = (float) (rng.nextDouble() - 0.5);
                float delta = (float) (0.2 * (rng.nextDouble() - 0.5));
                plus[i * D + k] = base + delta;
                minus[i * D + k] = base - delta;
                along += 2 * delta * u[k];
            }
            diffs[i] = -0.1 * along;
        }
        double[] zeroWeights = new double[N];
        ValueFunction.Data data =
                new ValueFunction.Data(
                        path(), target(), zeroWeights, new int[0], plus, minus, diffs);
        ValueFunctionConfig cfg = config(0.05, 0.0, 100.0, 300, 0.02);
        try (ValueFunction f =
                new ValueFunction(
                        manager,
                        D,
                        H,
                        InputScaler.identity(D),
                        ValueFunction.initialise(D, H, 4L, 0.3f))) {
            ValueFunction.Adaptation a =
                    f.adapt(data, cfg.adaptSteps(), cfg.adaptLearningRate(), cfg, rng);
            assertThat(a.lossAfter()).isLessThan(a.lossBefore() / 10);
            float[] grad = new float[D];
            f.valueAndGradient(new float[D], grad);
            // The gradient points against u: moving along u lowers the metric.
            float[] minusU = {-1f, 0f, 0f, 0f};
            assertThat(org.metricopt.common.stats.Stats.cosine(grad, minusU)).isGreaterThan(0.85);
        }
    }

    @Test
    void initialiseIsDeterministicAndKeyedBySeed() {
        float[] a = ValueFunction.initialise(D, H, 42L, 0.3f);
        float[] b = ValueFunction.initialise(D, H, 42L, 0.3f);
        float[] c = ValueFunction.initialise(D, H, 43L, 0.3f);
        assertThat(a).hasSize(ValueFunction.size(D, H)).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
        assertThat(a[a.length - 1]).as("output bias").isEqualTo(0.3f);
        // Uniform in +-1/sqrt(fan-in): the first layer lies within 1/sqrt(d).
        float limit = (float) (1.0 / Math.sqrt(D));
        for (int i = 0; i < D * H; i++) {
            assertThat(Math.abs(a[i])).isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void sizeCountsEveryLayer() {
        // 4x8 + 8 + 8x8 + 8 + 8x1 + 1.
        assertThat(ValueFunction.size(D, H)).isEqualTo(32 + 8 + 64 + 8 + 8 + 1);
    }

    @Test
    void constructorRejectsWeightsOfTheWrongLength() {
        float[] w = new float[ValueFunction.size(D, H) - 1];
        assertThatThrownBy(() -> new ValueFunction(manager, D, H, InputScaler.identity(D), w))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(String.valueOf(w.length))
                .hasMessageContaining("need " + ValueFunction.size(D, H));
    }

    @Test
    void constructorRejectsAScalerOfAnotherDimension() {
        float[] w = ValueFunction.initialise(D, H, 1L, 0.3f);
        assertThatThrownBy(() -> new ValueFunction(manager, D, H, InputScaler.identity(D + 1), w))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scaler")
                .hasMessageContaining(String.valueOf(D + 1));
    }

    @Test
    void adaptRejectsMismatchedTargets() {
        try (ValueFunction f = fresh(1L)) {
            assertThatThrownBy(
                            () ->
                                    f.adapt(
                                            data(
                                                    path(),
                                                    new double[N - 1],
                                                    new double[N - 1],
                                                    0.05),
                                            1,
                                            0.002,
                                            config(0.05, 1.0, 1, 0.002),
                                            new SplittableRandom(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(N + " inputs");
        }
    }

    @Test
    void weightsRoundTripAndAreCopies() {
        float[] w = ValueFunction.initialise(D, H, 9L, 0.2f);
        try (ValueFunction f = new ValueFunction(manager, D, H, InputScaler.identity(D), w)) {
            float[] out = f.weights();
            assertThat(out).containsExactly(w);
            out[0] = 99f;
            assertThat(f.weights()[0]).isEqualTo(w[0]);
        }
    }
}
