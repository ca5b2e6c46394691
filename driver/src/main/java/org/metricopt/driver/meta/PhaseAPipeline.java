package org.metricopt.driver.meta;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.outer.PhaseAResult;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Method;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.ValueLearner;
import org.metricopt.driver.SparkSessions;
import org.metricopt.executor.AdaptingPartition;
import org.metricopt.executor.EvalUnit;
import org.metricopt.executor.ExecutorContext;
import org.metricopt.executor.FinetunePartition;
import org.metricopt.executor.MetaTestPayload;

/**
 * Phase A of a meta-iteration (supp. Algorithm 1 line 3): the iteration's tasks unrolled on the
 * executors, by SGD/Adam or by the learned optimizer (learned-optimizer.phase-a-unrolls), each
 * followed on its executor by the value function's adaptation to it when meta-train.adapt-on =
 * executors and the meta-weights are known (docs/DESIGN.md section 4.1).
 *
 * <p>A value-function-only run adapting on the driver has SGD/Adam unrolls whose tasks are a
 * function of the seed and the iteration alone, so iteration {@code it + 1}'s job is submitted as
 * soon as iteration {@code it}'s: under Spark's FIFO scheduling it only gets the task slots that
 * the tail of iteration {@code it} leaves idle (while its last tasks finish and the driver adapts
 * and takes the Reptile step). The results are the same as unrolling one iteration at a time; a job
 * submitted ahead and never taken (the run stopped) is cancelled on close. Adapting on the
 * executors needs the iteration's meta-weights, and learned-optimizer unrolls need its w_opt, so
 * those jobs are not submitted ahead.
 */
final class PhaseAPipeline implements AutoCloseable {
    private final SparkSession spark;
    private final MetricOptConfig config;
    private final ExecutorContext ctx;
    private final long total;
    private long aheadIteration = -1;
    private SparkSessions.PendingJob<PhaseAResult> ahead;

    PhaseAPipeline(SparkSession spark, MetricOptConfig config, ExecutorContext ctx, long total) {
        this.spark = spark;
        this.config = config;
        this.ctx = ctx;
        this.total = total;
    }

    /** Whether jobs are submitted an iteration ahead (see the class comment). */
    private boolean pipelined() {
        return !config.learnedOptimizer().learnedPhaseA() && !config.metaTrain().adaptOnExecutors();
    }

    /**
     * The results of the meta-iteration at {@code state}, in task order; with adaptation on the
     * executors each successful task's result holds its adaptation from {@code state}'s
     * meta-weights, except in the first iteration (no scaler yet).
     */
    List<PhaseAResult> take(MetaState state) {
        long it = state.iteration();
        SparkSessions.PendingJob<PhaseAResult> current;
        if (ahead != null && aheadIteration == it) {
            current = ahead;
            ahead = null;
        } else {
            close();
            MetaTestPayload values = adaptationPayload(state);
            if (values != null) {
                // The job reads this iteration's weights: it cannot have been submitted ahead,
                // and none is submitted ahead of it.
                return inTaskOrder(
                        SparkSessions.withBroadcast(spark, values, b -> submit(it, b).await()));
            }
            current = submit(it, null);
        }
        submitAhead(it);
        return inTaskOrder(current.await());
    }

    private static List<PhaseAResult> inTaskOrder(List<PhaseAResult> results) {
        List<PhaseAResult> out = new ArrayList<>(results);
        out.sort(Comparator.comparingInt(r -> r.trajectory().index()));
        return out;
    }

    private void submitAhead(long it) {
        if (pipelined() && it + 1 < total) {
            ahead = submit(it + 1, null);
            aheadIteration = it + 1;
        }
    }

    /**
     * What phase A's executors read: the learned optimizer's weights for its unrolls, and the
     * meta-weights with the scaler to adapt from; null when neither is needed.
     */
    private MetaTestPayload adaptationPayload(MetaState state) {
        boolean adapt = config.metaTrain().adaptOnExecutors() && state.has(MetaState.SCALER_MEAN);
        boolean learned = config.learnedOptimizer().learnedPhaseA();
        if (!adapt && !learned) {
            return null;
        }
        float[] none = new float[0];
        return new MetaTestPayload(
                adapt ? state.array(MetaState.VALUE_WEIGHTS) : none,
                adapt ? state.array(MetaState.SCALER_MEAN) : none,
                adapt ? state.array(MetaState.SCALER_STD) : none,
                learned ? state.array(MetaState.LEARNED_WEIGHTS) : none);
    }

    private SparkSessions.PendingJob<PhaseAResult> submit(
            long it, Broadcast<MetaTestPayload> payload) {
        List<TaskSpec> specs = MetaLearner.tasks(config, it);
        boolean adapt = payload != null && payload.value().valueWeights().length > 0;
        String group = String.format("metricopt-iter-%06d-phase-a", it);
        if (config.learnedOptimizer().learnedPhaseA()) {
            List<EvalUnit> units = new ArrayList<>();
            for (TaskSpec spec : specs) {
                units.add(
                        new EvalUnit(
                                spec,
                                Method.METRICOPT_LEARNED.id(),
                                config.learnedOptimizer().baseStep()));
            }
            return SparkSessions.submitJob(
                    spark,
                    group,
                    description(units.size(), "learned-optimizer unrolls", adapt),
                    units,
                    SparkSessions.partitions(spark, config, units.size()),
                    null,
                    adapting(
                            MetaTestJob.evalPartition(ctx, config, payload),
                            EvalUnit::spec,
                            adapt ? payload : null,
                            it));
        }
        return SparkSessions.submitJob(
                spark,
                group,
                description(specs.size(), "finetuning tasks", adapt),
                specs,
                SparkSessions.partitions(spark, config, specs.size()),
                null,
                adapting(new FinetunePartition(ctx), s -> s, adapt ? payload : null, it));
    }

    private <T> AdaptingPartition<T> adapting(
            FlatMapFunction<java.util.Iterator<T>, Trajectory> unrolls,
            org.apache.spark.api.java.function.Function<T, TaskSpec> specOf,
            Broadcast<MetaTestPayload> values,
            long it) {
        return new AdaptingPartition<>(
                unrolls,
                specOf,
                values,
                config.valueFunction(),
                BaseNetwork.of(config.network()).adapterDim(),
                ValueLearner.families(config),
                config.seed(),
                it);
    }

    private static String description(int n, String what, boolean adapt) {
        return n + " " + what + (adapt ? ", each with its value-function adaptation" : "");
    }

    @Override
    public void close() {
        if (ahead != null) {
            ahead.cancel();
            ahead = null;
        }
    }
}
