package org.metricopt.common.valuefn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.PhiOptimizer;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;

/**
 * MetricOpt (SGD) at meta-test: the value-function term vanishes with lambda = 0, changes the
 * trajectory with lambda > 0, the online adaptation moves f, and native memory is released.
 */
class MetricOptRuleTest {
    private static MetricOptConfig config;
    private static TaskRunner runner;
    private static TaskSpec spec;
    private static Trajectory baseline;
    private static int d;

    @BeforeAll
    static void setUp() {
        config = Fixtures.smallConfig("value-function.hidden=8", "inner.observe-fraction=0.2");
        runner = Fixtures.runner(config, Fixtures.randomTheta(config));
        d = runner.network().adapterDim();
        spec =
                new TaskSampler(config)
                        .sample(TaskSampler.FINETUNE, 0, 0)
                        .withOptimizer("sgd", config.inner().sgdLearningRate());
        baseline = runner.runBaseline(spec);
        assertThat(baseline.ok()).as(baseline.failure()).isTrue();
    }

    /** The run's value-function settings, with or without the task context. */
    private static ValueFunctionConfig vf(boolean context) {
        ValueFunctionConfig c = config.valueFunction();
        return new ValueFunctionConfig(
                c.hidden(),
                c.sigma0(),
                c.rankWeight(),
                c.rankTemperature(),
                c.rankPairs(),
                c.adaptSteps(),
                c.adaptLearningRate(),
                c.adaptClip(),
                c.reptileStep(),
                c.lambda(),
                c.minStd(),
                context ? c.target() : ValueFunctionConfig.ABSOLUTE,
                context,
                c.contextMinStd(),
                c.pairWeight(),
                c.normaliseWeights(),
                c.metaOptimizer(),
                c.metaLearningRate(),
                c.onlineAdaptSteps(),
                c.onlineAdaptLearningRate(),
                c.combination(),
                c.init(),
                c.gpNoiseRatios());
    }

    private static ValueLearner learner() {
        return ValueLearner.of(config);
    }

    private static float[] metaWeights(int inputs) {
        return ValueFunction.initialise(inputs, config.valueFunction().hidden(), 17L, 0.3f);
    }

    private static InputScaler scaler() {
        return learner().fitScaler(List.of(baseline));
    }

    private static MetricOptRule rule(double lambda) {
        PhiOptimizer base = PhiOptimizer.create("sgd", spec.learningRate(), spec.momentum(), d);
        return new MetricOptRule(
                base,
                learner(),
                metaWeights(learner().inputs()),
                scaler(),
                d,
                spec.family(),
                lambda,
                spec.seed());
    }

    @Test
    void withLambdaZeroTheTrajectoryEqualsPlainSgdBitForBit() {
        Trajectory t = runner.run(spec, "metricopt-sgd", rule(0.0));
        assertThat(t.ok()).as(t.failure()).isTrue();
        assertThat(t.phis()).containsExactly(baseline.phis());
        assertThat(t.losses()).containsExactly(baseline.losses());
        assertThat(t.observedMetrics()).containsExactly(baseline.observedMetrics());
    }

    @Test
    void withPositiveLambdaTheTrajectoryDiffers() {
        Trajectory t = runner.run(spec, "metricopt-sgd", rule(1.0));
        assertThat(t.ok()).as(t.failure()).isTrue();
        assertThat(t.phi(0)).containsExactly(baseline.phi(0));
        assertThat(t.phi(1))
                .as("the first step already feels grad f")
                .isNotEqualTo(baseline.phi(1));
        assertThat(t.phis()).isNotEqualTo(baseline.phis());
    }

    @Test
    void observingTwoMetricsAdaptsTheValueFunction() {
        int dim = 4;
        float[] meta = metaWeights(dim);
        ValueLearner phiOnly = new ValueLearner(vf(false), dim, List.of("f"), 1L);
        try (MetricOptRule r =
                new MetricOptRule(
                        new PhiOptimizer.Sgd(0.1, 0.0, dim),
                        phiOnly,
                        meta,
                        InputScaler.identity(dim),
                        dim,
                        "f",
                        1.0,
                        5L)) {
            float[] phi = new float[dim];
            float[] grad = {1f, -0.5f, 0.25f, 2f};
            // As in the inner loop: observe at t (before the step of t), then step.
            for (int t = 0; t <= 10; t++) {
                if (t % 5 == 0) {
                    r.observe(t, 0.6 - 0.02 * t, phi);
                    if (t == 0) {
                        assertThat(r.adaptedWeights())
                                .as("one observation: nothing to fit yet")
                                .containsExactly(meta);
                    }
                }
                if (t < 10) {
                    r.step(phi, grad.clone(), t);
                }
            }
            assertThat(r.adaptedWeights()).hasSize(meta.length).isNotEqualTo(meta);
        }
    }

    @Test
    void aRuleThatCannotBeBuiltLeavesNoNativeManagerBehind() {
        int before = Fixtures.liveManagers();
        int inputs = learner().inputs();
        float[] wrong = new float[ValueFunction.size(inputs, config.valueFunction().hidden()) + 1];
        assertThatThrownBy(
                        () ->
                                new MetricOptRule(
                                        new PhiOptimizer.Sgd(0.1, 0.0, d),
                                        learner(),
                                        wrong,
                                        InputScaler.identity(inputs),
                                        d,
                                        spec.family(),
                                        1.0,
                                        1L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("need");
        assertThatThrownBy(
                        () ->
                                new MetricOptRule(
                                        new PhiOptimizer.Sgd(0.1, 0.0, d),
                                        learner(),
                                        metaWeights(inputs),
                                        InputScaler.identity(inputs - 1),
                                        d,
                                        spec.family(),
                                        1.0,
                                        1L))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scaler");
        assertThat(Fixtures.liveManagers()).isEqualTo(before);
    }

    @Test
    void theUnrollRecordsTheValueGradientAgainstTheValidationLossGradient() {
        Trajectory t = runner.run(spec, "metricopt-sgd", rule(1.0));
        assertThat(t.ok()).as(t.failure()).isTrue();
        assertThat(t.valueDiagnostics()).hasSize(2 * t.observedSteps().length);
        for (int k = 0; k < t.observedSteps().length; k++) {
            assertThat(t.valueDiagnostics()[2 * k]).isBetween(-1.0, 1.0);
            assertThat(t.valueDiagnostics()[2 * k + 1]).isPositive();
        }
        assertThat(baseline.valueDiagnostics()).as("CE unrolls have none").isEmpty();
    }

    @Test
    void theForwardSpearmanReplayAdaptsExactlyAsTheUnrollDid() {
        MetricOptRule r = rule(1.0);
        Trajectory t = runner.run(spec, "metricopt-sgd", r);
        assertThat(t.ok()).as(t.failure()).isTrue();
        ForwardSpearman.Replay replay =
                ForwardSpearman.of(
                        learner(), metaWeights(learner().inputs()), scaler(), t, spec.seed());
        assertThat(replay.adaptedWeights()).containsExactly(r.adaptedWeights());
        assertThat(replay.adaptedWeights()).isNotEqualTo(metaWeights(learner().inputs()));
        assertThat(replay.spearman()).hasSize(t.observedSteps().length - 3);
        for (double rho : replay.spearman()) {
            assertThat(Double.isNaN(rho) || (rho >= -1 && rho <= 1)).isTrue();
        }
    }

    @Test
    void theRandomDirectionControlIsPlainSgdAtLambdaZeroAndDiffersAbove() {
        PhiOptimizer base = PhiOptimizer.create("sgd", spec.learningRate(), spec.momentum(), d);
        Trajectory zero =
                runner.run(spec, "metricopt-random-sgd", new RandomDirectionRule(base, 0.0, 3L));
        assertThat(zero.phis()).containsExactly(baseline.phis());
        PhiOptimizer base2 = PhiOptimizer.create("sgd", spec.learningRate(), spec.momentum(), d);
        Trajectory one =
                runner.run(spec, "metricopt-random-sgd", new RandomDirectionRule(base2, 1.0, 3L));
        assertThat(one.ok()).isTrue();
        assertThat(one.phi(1)).isNotEqualTo(baseline.phi(1));
    }

    @Test
    void closeReleasesTheNativeManager() {
        Trajectory warm = runner.run(spec, "metricopt-sgd", rule(1.0));
        assertThat(warm.ok()).isTrue();
        int before = Fixtures.liveManagers();
        MetricOptRule r = rule(1.0);
        assertThat(Fixtures.liveManagers()).isGreaterThan(before);
        r.close();
        assertThat(Fixtures.liveManagers()).isEqualTo(before);
        // A full unroll closes its rule too.
        assertThat(runner.run(spec, "metricopt-sgd", rule(1.0)).ok()).isTrue();
        assertThat(Fixtures.liveManagers()).isEqualTo(before);
    }
}
