package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.executor.FaultInjection;
import org.metricopt.executor.SparkTestBase;

/**
 * Joint meta-training (phase A, Reptile, phase B with antithetic ES pairs) gives bit-identical
 * meta-state on one or two executor threads and when every first attempt of a Spark task fails and
 * is retried (that run also places phase B by phase A's executors, spark.phase-b-locality).
 */
class LearnedMetaTrainTest extends SparkTestBase {

    private static MetricOptConfig config(Path theta, boolean reparam, String... extra) {
        List<String> o = new ArrayList<>();
        o.addAll(MetaTrainRuns.TINY);
        o.add("meta-train.tasks-per-iteration=3");
        o.add("meta-train.iterations=2");
        o.add("learned-optimizer.enabled=true");
        o.add("learned-optimizer.hidden=4");
        o.add("learned-optimizer.pairs-per-task=2");
        o.add("learned-optimizer.reparameterisation=" + reparam);
        o.add("pretrain.path=\"" + theta.toUri() + "\"");
        o.addAll(List.of(extra));
        return Fixtures.smallConfig(o.toArray(String[]::new));
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "reparameterisation = {0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {false, true})
    void sameMetaStateOnOneOrTwoExecutorThreadsAndAfterRetries(boolean reparam, @TempDir Path tmp) {
        Path theta = tmp.resolve("theta");
        MetricOptConfig config = config(theta, reparam);
        Fixtures.saveRandomTheta(config, theta);

        MetaState one =
                MetaTrainRuns.train(
                        testConf("local[1]", "learned-1"), config, tmp.resolve("one"), null);
        MetaState two =
                MetaTrainRuns.train(
                        testConf("local[2]", "learned-2"), config, tmp.resolve("two"), null);
        MetaState retried =
                MetaTrainRuns.train(
                        testConf("local[2,3]", "learned-retry")
                                .set(FaultInjection.FAIL_FIRST_ATTEMPT, "eval,es"),
                        // Phase B placed by phase A's executors changes nothing either.
                        config(theta, reparam, "spark.phase-b-locality=true"),
                        tmp.resolve("retry"),
                        null);

        for (MetaState other : List.of(two, retried)) {
            assertThat(other.iteration()).isEqualTo(2);
            assertThat(other.array(MetaState.LEARNED_WEIGHTS))
                    .containsExactly(one.array(MetaState.LEARNED_WEIGHTS));
            assertThat(other.array(MetaState.LEARNED_ADAM_V))
                    .containsExactly(one.array(MetaState.LEARNED_ADAM_V));
            assertThat(other.array(MetaState.VALUE_WEIGHTS))
                    .containsExactly(one.array(MetaState.VALUE_WEIGHTS));
        }
        // The learned optimizer actually moved, and its Adam state was checkpointed.
        MetaState initial = MetaLearner.initialState(config);
        assertThat(one.array(MetaState.LEARNED_WEIGHTS))
                .isNotEqualTo(initial.array(MetaState.LEARNED_WEIGHTS));
        assertThat(one.counters()).containsEntry(MetaState.LEARNED_ADAM_STEP, 2L);
        MetaState fromDisk =
                Checkpoints.latest(new Configuration(), tmp.resolve("one").toUri().toString())
                        .orElseThrow();
        assertThat(fromDisk.array(MetaState.LEARNED_WEIGHTS))
                .containsExactly(one.array(MetaState.LEARNED_WEIGHTS));
    }
}
