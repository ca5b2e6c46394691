package org.metricopt.driver.meta;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.outer.ConfigFingerprint;
import org.metricopt.common.outer.EsResult;
import org.metricopt.common.outer.EsUnit;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.outer.PhaseAResult;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.TaskAdaptation;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.ThetaStore;
import org.metricopt.executor.EsPartition;
import org.metricopt.executor.ExecutorContext;

/**
 * Meta-training on Spark (docs/DESIGN.md sections 3 and 4): scheduling, I/O and checkpoints around
 * the Spark-free learner {@link MetaLearner}. Each iteration: the executors unroll a batch of tasks
 * from p(T) (phase A) and return trajectories with sparse metrics; the learner adapts the value
 * function and takes the Reptile step, and with the learned optimizer on it hands phase B's
 * antithetic ES pairs back to be run on the executors before its step on w_opt. One Parquet row per
 * iteration goes to {@code metrics/}, one per task step to {@code trajectories/} ({@link
 * MetaTrainLogs}), and the meta-state is checkpointed atomically.
 */
public final class MetaTrainJob {
    private MetaTrainJob() {}

    /**
     * Runs (or resumes) meta-training up to {@code meta-train.iterations}; returns the final state.
     */
    public static MetaState run(
            SparkSession spark,
            MetricOptConfig config,
            RunDirectory runDir,
            boolean resume,
            PrintStream out) {
        Optional<MetaState> existing = Checkpoints.latest(runDir.hadoopConf(), runDir.uri());
        MetaState state;
        if (existing.isPresent()) {
            if (!resume) {
                throw new MetricOptException(
                        ErrorClass.RUN_DIR_CONFLICT,
                        "run directory "
                                + runDir.uri()
                                + " already has checkpoints (up to iteration "
                                + existing.get().iteration()
                                + "); pass --resume to continue it, --force-new to move it aside"
                                + " and start over, or choose another --run-dir");
            }
            state = existing.get();
            String expected = ConfigFingerprint.of(config);
            if (!expected.equals(state.configFingerprint())) {
                throw new MetricOptException(
                        ErrorClass.RUN_DIR_CONFLICT,
                        "run directory "
                                + runDir.uri()
                                + " was made with another configuration"
                                + " (fingerprint "
                                + state.configFingerprint()
                                + ", now "
                                + expected
                                + "); resume it with its own configuration, choose another"
                                + " --run-dir, or pass --force-new to move it aside");
            }
            out.printf(
                    "resuming meta-training at iteration %d of %d%n",
                    state.iteration(), config.metaTrain().iterations());
        } else {
            state = MetaLearner.initialState(config);
        }
        // Only now, once the run directory is known to fit: pre-training theta can take minutes.
        String thetaDir = ThetaStore.ensure(runDir.hadoopConf(), config, out);
        ExecutorContext ctx = SparkSessions.executorContext(spark, config, thetaDir);
        long total = config.metaTrain().iterations();
        EngineSetup.configure(config.spark().djlThreads());
        try (MetaTrainProgress bar = MetaTrainProgress.start(state.iteration(), total)) {
            // Parquet logs and checkpoints are written by a background thread while the next
            // iterations compute (they are outputs, never read back by the loop). Writes run in
            // iteration order, so checkpoint N is only written after the logs of N; a write error
            // stops the run at a later iteration boundary, once the writes before it are done.
            // Logs are batched: one write for all iterations since the last, once
            // meta-train.log-interval-s has passed, and always with a checkpoint.
            try (OrderedWriter writer = new OrderedWriter();
                    PhaseAPipeline phaseA = new PhaseAPipeline(spark, config, ctx, total)) {
                MetaLearner learner = new MetaLearner(config);
                List<MetaTrainLogs.Iteration> unlogged = new ArrayList<>();
                long lastLogWrite = System.nanoTime();
                try {
                    while (state.iteration() < total) {
                        bar.phase(state.iteration(), "unrolls");
                        MetaTrainLogs.Iteration done =
                                iterate(spark, config, ctx, learner, state, bar, phaseA);
                        state = done.state();
                        bar.finished(state.iteration());
                        unlogged.add(done);
                        boolean last = state.iteration() == total;
                        boolean checkpoint =
                                last
                                        || state.iteration() % config.metaTrain().checkpointEvery()
                                                == 0;
                        boolean logDue =
                                (System.nanoTime() - lastLogWrite) / 1e9
                                        >= config.metaTrain().logIntervalS();
                        if (checkpoint || logDue) {
                            List<MetaTrainLogs.Iteration> batch = List.copyOf(unlogged);
                            unlogged.clear();
                            lastLogWrite = System.nanoTime();
                            MetaState snapshot = state;
                            writer.submit(
                                    () -> {
                                        MetaTrainLogs.write(spark, runDir, batch);
                                        if (checkpoint) {
                                            Checkpoints.write(
                                                    runDir.hadoopConf(), runDir.uri(), snapshot);
                                        }
                                    });
                        }
                    }
                } catch (RuntimeException | Error e) {
                    // The run stops: the iterations since the last write still get their logs
                    // (no checkpoint), so what happened up to the failure can be looked at. A
                    // phase A submitted ahead is cancelled first; its cores are not needed.
                    phaseA.close();
                    if (!unlogged.isEmpty()) {
                        List<MetaTrainLogs.Iteration> batch = List.copyOf(unlogged);
                        try {
                            writer.submit(() -> MetaTrainLogs.write(spark, runDir, batch));
                            writer.drain();
                        } catch (RuntimeException | Error suppressed) {
                            if (suppressed != e) {
                                e.addSuppressed(suppressed);
                            }
                        }
                    }
                    throw e;
                }
                writer.drain();
            }
        }
        return state;
    }

    /**
     * What one meta-iteration produced: the next state and its rows for metrics/ and trajectories/.
     */
    record Iteration(MetaState state, long index, Row metrics, List<Row> trajectories) {}

    /** One meta-iteration; returns the state after it and its log rows (nothing written yet). */
    static MetaTrainLogs.Iteration iterate(
            SparkSession spark,
            MetricOptConfig config,
            ExecutorContext ctx,
            MetaLearner learner,
            MetaState state,
            MetaTrainProgress bar,
            PhaseAPipeline phaseA) {
        long it = state.iteration();
        long t0 = System.nanoTime();
        List<TaskSpec> specs = MetaLearner.tasks(config, it);
        List<PhaseAResult> results = phaseA.take(state);
        long t1 = System.nanoTime();
        List<Trajectory> trajs = new ArrayList<>();
        Map<Integer, TaskAdaptation> adapted = new HashMap<>();
        Map<Integer, String> executors = new HashMap<>();
        for (PhaseAResult r : results) {
            trajs.add(r.trajectory());
            executors.put(r.trajectory().index(), r.executor());
            if (r.adaptation() != null) {
                adapted.put(r.trajectory().index(), r.adaptation());
            }
        }
        List<Trajectory> ok = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        for (Trajectory t : trajs) {
            if (t.ok()) {
                ok.add(t);
            } else {
                failures.add(t.taskId() + ": " + t.failure());
            }
        }
        double failedFraction = (double) failures.size() / trajs.size();
        if (failedFraction > config.metaTrain().maxFailedFraction() || ok.isEmpty()) {
            throw new MetricOptException(
                    ErrorClass.TOO_MANY_TASK_FAILURES,
                    String.format(
                            Locale.ROOT,
                            "meta-iteration %d: %d of %d tasks failed (more than meta-train.max-failed-fraction = %.2f); first: %s; the last checkpoint is intact",
                            it,
                            failures.size(),
                            trajs.size(),
                            config.metaTrain().maxFailedFraction(),
                            failures.isEmpty() ? "-" : failures.get(0)));
        }
        bar.phase(it, "Reptile");
        long[] phaseBNanos = {0L};
        MetaLearner.Step step =
                learner.step(
                        state,
                        specs,
                        ok,
                        adapted,
                        work -> {
                            bar.phase(it, "ES pairs");
                            long start = System.nanoTime();
                            try {
                                return phaseB(spark, config, ctx, it, work, executors);
                            } finally {
                                phaseBNanos[0] = System.nanoTime() - start;
                            }
                        });
        long t2 = System.nanoTime();
        return MetaTrainLogs.iteration(
                it,
                trajs,
                ok,
                step,
                new MetaTrainLogs.Timings(
                        (t1 - t0) / 1e9, (t2 - t1 - phaseBNanos[0]) / 1e9, phaseBNanos[0] / 1e9));
    }

    /** Each unit's phase-A executor ("" where unknown), in unit order. */
    private static List<String> locations(List<EsUnit> units, Map<Integer, String> executors) {
        List<String> out = new ArrayList<>();
        for (EsUnit u : units) {
            out.add(executors.getOrDefault(u.task(), ""));
        }
        return out;
    }

    /**
     * Phase B on the executors (docs/DESIGN.md section 4): the payload is broadcast once, the units
     * spread over the partitions; each returns only its key and two losses per pair. With
     * spark.phase-b-locality each partition prefers the executor that ran most of its tasks in
     * phase A ({@code executors}, by task index), whose task-data cache holds them.
     */
    private static List<EsResult> phaseB(
            SparkSession spark,
            MetricOptConfig config,
            ExecutorContext ctx,
            long it,
            MetaLearner.PhaseB work,
            Map<Integer, String> executors) {
        var lo = config.learnedOptimizer();
        List<EsUnit> units = work.units();
        List<String> preferred =
                config.spark().phaseBLocality() ? locations(units, executors) : null;
        return SparkSessions.withBroadcast(
                spark,
                work.payload(),
                b ->
                        SparkSessions.runJob(
                                spark,
                                String.format("metricopt-iter-%06d-phase-b", it),
                                work.pairs() + " antithetic ES pairs in " + units.size() + " units",
                                units,
                                SparkSessions.partitions(spark, config, units.size()),
                                preferred,
                                new EsPartition(
                                        ctx, config.seed(), config.valueFunction(), lo, b)));
    }
}
