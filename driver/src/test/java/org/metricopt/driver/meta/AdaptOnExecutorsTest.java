package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.executor.FaultInjection;
import org.metricopt.executor.SparkTestBase;

/**
 * Where the value function is adapted to each task does not change the result (meta-train.adapt-on;
 * docs/DESIGN.md section 4.1): adapting on the executors at the end of each phase-A task, with
 * every first attempt failing and retried on two executor threads, gives the meta-state of adapting
 * on the driver on one thread, bit for bit, for SGD/Adam unrolls and for learned-optimizer unrolls
 * in phase A.
 */
class AdaptOnExecutorsTest extends SparkTestBase {

    private static MetricOptConfig config(Path theta, String phaseA, String adaptOn) {
        List<String> o = new ArrayList<>();
        o.addAll(MetaTrainRuns.TINY);
        o.add("meta-train.tasks-per-iteration=3");
        o.add("meta-train.iterations=3");
        o.add("meta-train.adapt-on=" + adaptOn);
        o.add("value-function.meta-optimizer=adam");
        if (!phaseA.equals("value-only")) {
            o.add("learned-optimizer.enabled=true");
            o.add("learned-optimizer.hidden=4");
            o.add("learned-optimizer.pairs-per-task=1");
            o.add("learned-optimizer.phase-a-unrolls=" + phaseA);
        }
        o.add("pretrain.path=\"" + theta.toUri() + "\"");
        return Fixtures.smallConfig(o.toArray(String[]::new));
    }

    /** Trains; returns the final state, and the descriptions of its phase-A jobs into jobs. */
    private static MetaState train(
            SparkConf conf, MetricOptConfig config, Path dir, List<String> jobs) {
        return MetaTrainRuns.train(
                conf,
                config,
                dir,
                new SparkListener() {
                    @Override
                    public void onJobStart(SparkListenerJobStart start) {
                        String d = start.properties().getProperty("spark.job.description");
                        if (d != null && d.contains("phase-a")) {
                            jobs.add(d);
                        }
                    }
                });
    }

    @ParameterizedTest(name = "phase A = {0}")
    @ValueSource(strings = {"value-only", "base", "learned"})
    void adaptingOnTheExecutorsGivesTheDriversMetaStateBitForBit(String phaseA, @TempDir Path tmp) {
        Path theta = tmp.resolve("theta");
        MetricOptConfig onDriver = config(theta, phaseA, "driver");
        Fixtures.saveRandomTheta(onDriver, theta);
        List<String> driverJobs = Collections.synchronizedList(new ArrayList<>());
        List<String> executorJobs = Collections.synchronizedList(new ArrayList<>());

        MetaState driver =
                train(testConf("local[1]", "adapt-driver"), onDriver, tmp.resolve("d"), driverJobs);
        MetaState executors =
                train(
                        testConf("local[2,3]", "adapt-executors")
                                .set(FaultInjection.FAIL_FIRST_ATTEMPT, "finetune,eval"),
                        config(theta, phaseA, "executors"),
                        tmp.resolve("e"),
                        executorJobs);

        assertThat(executors.iteration()).isEqualTo(3);
        for (String key : executors.arrays().keySet()) {
            assertThat(executors.array(key)).as(key).containsExactly(driver.array(key));
        }
        assertThat(executors.arrays().keySet()).isEqualTo(driver.arrays().keySet());
        assertThat(executors.counters()).isEqualTo(driver.counters());
        // The first iteration fits the scaler on its own trajectories, so it adapts on the driver;
        // the two after it adapt on the executors.
        assertThat(executorJobs.stream().filter(d -> d.contains("value-function adaptation")))
                .hasSize(2);
        assertThat(driverJobs).noneMatch(d -> d.contains("value-function adaptation"));
    }
}
