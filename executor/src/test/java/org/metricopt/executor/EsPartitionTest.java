package org.metricopt.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.learned.Perturbations;
import org.metricopt.common.outer.EsResult;
import org.metricopt.common.outer.EsUnit;
import org.metricopt.common.outer.PhaseBPayload;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.valuefn.ValueFunction;

/**
 * Phase B on an executor: a task's pairs batched as one population give the same L_opt values as
 * the pairs run one at a time, on both networks (relative tolerance 1e-4; float rounding only),
 * with the same keys and epsilon hashes; and an optimizer that drives phi to NaN never lets a NaN
 * out: the pair gets the documented bounded penalty ({@code learned-optimizer.divergence-penalty})
 * and counts as diverged, in both paths.
 */
class EsPartitionTest extends SparkTestBase {
    private static final int H = 4;

    private static MetricOptConfig config(boolean population) {
        return config(population, "predicted");
    }

    private static MetricOptConfig config(boolean population, String metricSource) {
        return config(population, metricSource, "mlp");
    }

    private static MetricOptConfig config(boolean population, String metricSource, String kind) {
        return Fixtures.smallConfig(
                "network.kind=" + kind,
                "inner.steps=12",
                "learned-optimizer.enabled=true",
                "learned-optimizer.hidden=" + H,
                "learned-optimizer.pairs-per-task=3",
                "learned-optimizer.population-batching=" + population,
                "learned-optimizer.metric-source=" + metricSource);
    }

    private static PhaseBPayload payload(MetricOptConfig config, float[] w, int d) {
        return payload(config, w, d, 3L);
    }

    private static PhaseBPayload payload(MetricOptConfig config, float[] w, int d, long vfSeed) {
        float[] mean = new float[d];
        float[] std = new float[d];
        java.util.Arrays.fill(std, 1f);
        // One task: its value function of phi alone, offset 0 and no context.
        return new PhaseBPayload(
                w,
                mean,
                std,
                List.of(
                        new PhaseBPayload.AdaptedValue(
                                ValueFunction.initialise(
                                        d, config.valueFunction().hidden(), vfSeed, 0.3f),
                                new float[0],
                                0.0)));
    }

    private List<EsResult> run(MetricOptConfig config, float[] w, boolean oneUnitPerPair) {
        return run(config, w, oneUnitPerPair, 3L);
    }

    private List<EsResult> run(
            MetricOptConfig config, float[] w, boolean oneUnitPerPair, long vfSeed) {
        List<EsResult> out = new ArrayList<>();
        withSpark(
                "local[1]",
                spark -> {
                    TaskRunner runner = Fixtures.runner(config, Fixtures.randomTheta(config));
                    int d = runner.network().adapterDim();
                    Broadcast<PhaseBPayload> b =
                            JavaSparkContext.fromSparkContext(spark.sparkContext())
                                    .broadcast(payload(config, w, d, vfSeed));
                    EsPartition es =
                            new EsPartition(
                                    null,
                                    config.seed(),
                                    config.valueFunction(),
                                    config.learnedOptimizer(),
                                    b);
                    TaskSpec spec = new TaskSampler(config).sample(TaskSampler.META_TRAIN, 4, 0);
                    int pairs = config.learnedOptimizer().pairsPerTask();
                    if (oneUnitPerPair) {
                        for (int p = 0; p < pairs; p++) {
                            out.addAll(es.evaluate(runner, new EsUnit(spec, 4, 0, p, 1)));
                        }
                    } else {
                        EsUnit unit = new EsUnit(spec, 4, 0, 0, pairs);
                        assertThat(es.batches(runner, unit))
                                .isEqualTo(config.learnedOptimizer().populationBatching());
                        out.addAll(es.evaluate(runner, unit));
                    }
                });
        return out;
    }

    /** On both networks: the MLP's input biases and the CNN's FiLM. */
    @ParameterizedTest
    @ValueSource(strings = {"mlp", "cnn"})
    void populationBatchedPairsEqualThePairsOneAtATime(String kind) {
        float[] w = LearnedOptimizer.initialise(H, 11L);
        w[w.length - 1] = 0.2f;
        List<EsResult> batched = run(config(true, "predicted", kind), w, false);
        List<EsResult> single = run(config(false, "predicted", kind), w, true);
        assertThat(batched).hasSize(3).hasSameSizeAs(single);
        for (int i = 0; i < batched.size(); i++) {
            EsResult a = batched.get(i);
            EsResult b = single.get(i);
            assertThat(a.pair()).isEqualTo(b.pair()).isEqualTo(i);
            assertThat(a.epsilonHash()).isEqualTo(b.epsilonHash());
            assertThat(a.diverged()).isZero();
            assertThat(a.lossPlus()).isCloseTo(b.lossPlus(), within(1e-4 * b.lossPlus()));
            assertThat(a.lossMinus()).isCloseTo(b.lossMinus(), within(1e-4 * b.lossMinus()));
            assertThat(a.lossPlus()).isNotEqualTo(a.lossMinus());
            assertThat(a.wireBytes()).isEqualTo(EsResult.WIRE_BYTES);
        }
    }

    /**
     * metric-source = observed: the population and the one-at-a-time paths agree, the value
     * function plays no part (another one gives the same values, bit for bit), and the values
     * differ from the predicted metric's.
     */
    @Test
    void observedMetricsGiveTheSameLossBatchedOrNotAndIgnoreTheValueFunction() {
        float[] w = LearnedOptimizer.initialise(H, 11L);
        w[w.length - 1] = 0.2f;
        List<EsResult> batched = run(config(true, "observed"), w, false);
        List<EsResult> single = run(config(false, "observed"), w, true);
        List<EsResult> otherValueFunction = run(config(true, "observed"), w, false, 99L);
        List<EsResult> predicted = run(config(true, "predicted"), w, false);
        assertThat(batched).hasSize(3).hasSameSizeAs(single);
        for (int i = 0; i < batched.size(); i++) {
            EsResult a = batched.get(i);
            EsResult b = single.get(i);
            assertThat(a.diverged()).isZero();
            assertThat(a.lossPlus()).isCloseTo(b.lossPlus(), within(1e-4 * b.lossPlus()));
            assertThat(a.lossMinus()).isCloseTo(b.lossMinus(), within(1e-4 * b.lossMinus()));
            assertThat(otherValueFunction.get(i).lossPlus()).isEqualTo(a.lossPlus());
            assertThat(otherValueFunction.get(i).lossMinus()).isEqualTo(a.lossMinus());
            assertThat(predicted.get(i).lossPlus()).isNotEqualTo(a.lossPlus());
        }
    }

    @Test
    void anOptimizerThatDrivesPhiToNaNGetsTheBoundedPenaltyAndNoNaNLeaves() {
        float[] w = LearnedOptimizer.initialise(H, 11L);
        // The direction bias o1 is NaN in every perturbed copy: phi becomes NaN at the first step.
        w[w.length - 2] = Float.NaN;
        for (boolean population : new boolean[] {true, false}) {
            MetricOptConfig config = config(population);
            double penalty = config.learnedOptimizer().divergencePenalty();
            List<EsResult> results = run(config, w, !population);
            assertThat(results).hasSize(3);
            for (EsResult r : results) {
                assertThat(r.diverged()).as("population %s", population).isEqualTo(2);
                assertThat(r.lossPlus()).isEqualTo(penalty);
                assertThat(r.lossMinus()).isEqualTo(penalty);
                // What the driver makes of it: a finite (zero) antithetic sample.
                float[] eps = Perturbations.epsilon(config.seed(), 4, 0, r.pair(), w.length);
                for (double g :
                        org.metricopt.common.learned.Estimators.antitheticSample(
                                eps, r.lossPlus(), r.lossMinus(), 0.1)) {
                    assertThat(Double.isFinite(g)).isTrue();
                }
            }
        }
    }
}
