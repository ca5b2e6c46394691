package org.metricopt.driver.meta;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.metricopt.common.config.InnerLoopConfig;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.learned.Estimators;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.learned.MetaAdam;
import org.metricopt.common.learned.Perturbations;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.ValueLearner;
import org.metricopt.driver.FinetuneJob;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.ThetaStore;
import org.metricopt.executor.EsPartition;
import org.metricopt.executor.EsResult;
import org.metricopt.executor.EsUnit;
import org.metricopt.executor.EvalUnit;
import org.metricopt.executor.ExecutorContext;
import org.metricopt.executor.MetaTestPayload;
import org.metricopt.executor.PhaseBPayload;

/**
 * Value-function meta-training with Reptile (docs/DESIGN.md section 3). Each iteration: the
 * executors unroll a batch of tasks from p(T) with SGD or Adam and return trajectories with sparse
 * metrics; the driver densifies each task's metrics with a GP, adapts a copy of the value function
 * to it (w~), and moves the meta-weights by {@code eta * mean(w~ - w)}. One Parquet row per
 * iteration goes to {@code metrics/}, one per task step to {@code trajectories/}, and the
 * meta-state is checkpointed atomically.
 */
public final class MetaTrainJob {
    private MetaTrainJob() {}

    public static final String LEARNED_WEIGHTS = "learned_optimizer.weights";
    public static final String LEARNED_ADAM_M = "learned_optimizer.adam_m";
    public static final String LEARNED_ADAM_V = "learned_optimizer.adam_v";
    public static final String LEARNED_ADAM_STEP = "learned_optimizer.adam_step";
    public static final String LEARNED_VAR_ES = "learned_optimizer.running_variance_es";
    public static final String LEARNED_VAR_RP = "learned_optimizer.running_variance_reparam";
    public static final String VALUE_ADAM_M = "value_function.adam_m";
    public static final String VALUE_ADAM_V = "value_function.adam_v";
    public static final String VALUE_ADAM_STEP = "value_function.adam_step";

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /**
     * Cosine between the ES and the reparameterisation estimates: ES is unbiased for the smoothed
     * objective, so a low cosine measures what the reparameterisation's truncations (first order,
     * back-propagation through at most K steps) lose, plus its own noise.
     */
    static double cosine(double[] a, double[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? Double.NaN : ab / Math.sqrt(aa * bb);
    }

    private static double finiteOr(double v, double fallback) {
        return Double.isFinite(v) ? v : fallback;
    }

    public static MetaState initialState(MetricOptConfig config) {
        float[] w = ValueLearner.of(config).initialWeights(config.seed());
        MetaState state =
                new MetaState(
                                0,
                                ConfigFingerprint.of(config),
                                new java.util.TreeMap<>(),
                                new java.util.TreeMap<>())
                        .with(0, MetaState.VALUE_WEIGHTS, w);
        if (ValueFunctionConfig.ADAM.equals(config.valueFunction().metaOptimizer())) {
            state =
                    state.with(0, VALUE_ADAM_M, new float[w.length])
                            .with(0, VALUE_ADAM_V, new float[w.length])
                            .withCounter(VALUE_ADAM_STEP, 0L);
        }
        if (config.learnedOptimizer().enabled()) {
            float[] lo =
                    LearnedOptimizer.initialise(
                            config.learnedOptimizer().hidden(), Keys.derive(config.seed(), "lo"));
            state =
                    state.with(0, LEARNED_WEIGHTS, lo)
                            .with(0, LEARNED_ADAM_M, new float[lo.length])
                            .with(0, LEARNED_ADAM_V, new float[lo.length])
                            .withCounter(LEARNED_ADAM_STEP, 0L);
        }
        return state;
    }

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
            state = initialState(config);
        }
        // Only now, once the run directory is known to fit: pre-training theta can take minutes.
        String thetaDir = ThetaStore.ensure(runDir.hadoopConf(), config, out);
        ExecutorContext ctx = SparkSessions.executorContext(spark, config, thetaDir);
        long total = config.metaTrain().iterations();
        EngineSetup.configure(config.spark().djlThreads());
        try (ProgressBar bar =
                new ProgressBarBuilder()
                        .setTaskName("meta-train")
                        .setInitialMax(total)
                        .setStyle(ProgressBarStyle.ASCII)
                        .setConsumer(
                                new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
                        .setUpdateIntervalMillis(1000)
                        .startsFrom(state.iteration(), java.time.Duration.ZERO)
                        .build()) {
            // Parquet logs and checkpoints are written by a background thread while the next
            // iterations compute (they are outputs, never read back by the loop). Writes run in
            // iteration order, so checkpoint N is only written after the logs of N; a write error
            // stops the run at a later iteration boundary, once the writes before it are done.
            // Logs are batched: one write for all iterations since the last, once
            // meta-train.log-interval-s has passed, and always with a checkpoint.
            try (OrderedWriter writer = new OrderedWriter();
                    PhaseAPipeline phaseA = new PhaseAPipeline(spark, config, ctx, total)) {
                List<Iteration> unlogged = new ArrayList<>();
                long lastLogWrite = System.nanoTime();
                try {
                    while (state.iteration() < total) {
                        bar.setExtraMessage("iteration " + state.iteration() + ": unrolls");
                        Iteration done = iterate(spark, config, ctx, state, bar, phaseA);
                        state = done.state();
                        bar.stepTo(state.iteration());
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
                            List<Iteration> batch = List.copyOf(unlogged);
                            unlogged.clear();
                            lastLogWrite = System.nanoTime();
                            MetaState snapshot = state;
                            writer.submit(
                                    () -> {
                                        writeLogs(spark, runDir, batch);
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
                        List<Iteration> batch = List.copyOf(unlogged);
                        try {
                            writer.submit(() -> writeLogs(spark, runDir, batch));
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
     * Phase A of the value-function-only meta-iteration. Its unrolls use SGD or Adam on tasks that
     * are a function of the seed and the iteration alone, never the meta-state, so iteration {@code
     * it + 1}'s job is submitted as soon as iteration {@code it}'s: under Spark's FIFO scheduling
     * it only gets the task slots that the tail of iteration {@code it} leaves idle (while its last
     * tasks finish and the driver does GP, adaptation and Reptile), so the cores stay busy across
     * iteration boundaries. The results are the same as unrolling one iteration at a time; a job
     * submitted ahead and never taken (the run stopped) is cancelled on close. With the learned
     * optimizer on, phase A depends on the previous iteration's w_opt and is not submitted ahead.
     */
    static final class PhaseAPipeline implements AutoCloseable {
        private final SparkSession spark;
        private final MetricOptConfig config;
        private final ExecutorContext ctx;
        private final long total;
        private long aheadIteration = -1;
        private FinetuneJob.PendingTasks ahead;

        PhaseAPipeline(
                SparkSession spark, MetricOptConfig config, ExecutorContext ctx, long total) {
            this.spark = spark;
            this.config = config;
            this.ctx = ctx;
            this.total = total;
        }

        /** Iteration {@code it}'s trajectories in task order; submits iteration it + 1's first. */
        List<Trajectory> take(long it) {
            FinetuneJob.PendingTasks current;
            if (ahead != null && aheadIteration == it) {
                current = ahead;
                ahead = null;
            } else {
                close();
                current = submit(it);
            }
            if (it + 1 < total) {
                ahead = submit(it + 1);
                aheadIteration = it + 1;
            }
            return current.await();
        }

        private FinetuneJob.PendingTasks submit(long it) {
            List<TaskSpec> specs = batch(config, it);
            return FinetuneJob.submitTasks(
                    spark,
                    ctx,
                    specs,
                    SparkSessions.partitions(spark, config, specs.size()),
                    String.format("metricopt-iter-%06d-phase-a", it));
        }

        @Override
        public void close() {
            if (ahead != null) {
                ahead.cancel();
                ahead = null;
            }
        }
    }

    /**
     * What one meta-iteration produced: the next state and its rows for metrics/ and trajectories/.
     */
    record Iteration(MetaState state, long index, Row metrics, List<Row> trajectories) {}

    /**
     * Runs writes one at a time, in submission order, on one background thread, while the caller
     * goes on. {@link #submit} queues a write and only waits while {@link #MAX_BACKLOG} writes are
     * already queued or running (so a slow file system cannot pile up unbounded work). Once a write
     * fails, the writes queued after it are skipped (a checkpoint is never written after the logs
     * before it failed), and the next {@link #submit} or {@link #drain} rethrows the original
     * exception, so its error class and exit code survive. {@link #close} waits for what is queued,
     * so a run that stops for another reason never leaves a checkpoint half-written by this thread.
     */
    static final class OrderedWriter implements AutoCloseable {
        /** Writes queued or running at most; submitting one more waits for the oldest. */
        static final int MAX_BACKLOG = 3;

        private final java.util.concurrent.ExecutorService thread =
                java.util.concurrent.Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "metricopt-run-writer");
                            t.setDaemon(true);
                            return t;
                        });
        private final java.util.ArrayDeque<java.util.concurrent.Future<?>> queued =
                new java.util.ArrayDeque<>();
        private volatile boolean failed;

        void submit(Runnable write) {
            reapFinished();
            while (queued.size() >= MAX_BACKLOG) {
                await(queued.poll());
            }
            queued.add(
                    thread.submit(
                            () -> {
                                if (failed) {
                                    return;
                                }
                                try {
                                    write.run();
                                } catch (RuntimeException | Error e) {
                                    failed = true;
                                    throw e;
                                }
                            }));
        }

        /** Waits for every queued write; rethrows the first failure. */
        void drain() {
            while (!queued.isEmpty()) {
                await(queued.poll());
            }
        }

        /** Rethrows the failure of a write that has already finished, without waiting. */
        private void reapFinished() {
            while (!queued.isEmpty() && queued.peek().isDone()) {
                await(queued.poll());
            }
        }

        private static void await(java.util.concurrent.Future<?> f) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MetricOptException(
                        ErrorClass.INTERNAL, "interrupted while writing the run's logs", e);
            } catch (java.util.concurrent.ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(cause);
            }
        }

        @Override
        public void close() {
            try {
                for (java.util.concurrent.Future<?> f : queued) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        // Reported by drain() on the normal path; here another failure is already
                        // on its way up and takes precedence.
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    }
                }
                queued.clear();
            } finally {
                thread.shutdown();
            }
        }
    }

    /** One meta-iteration; returns the state after it and its log rows (nothing written yet). */
    static Iteration iterate(
            SparkSession spark,
            MetricOptConfig config,
            ExecutorContext ctx,
            MetaState state,
            ProgressBar bar,
            PhaseAPipeline phaseA) {
        long it = state.iteration();
        long t0 = System.nanoTime();
        List<TaskSpec> specs = batch(config, it);
        boolean learned = config.learnedOptimizer().enabled();
        List<Trajectory> trajs;
        if (config.learnedOptimizer().learnedPhaseA()) {
            List<EvalUnit> units = new ArrayList<>();
            for (TaskSpec spec : specs) {
                units.add(
                        new EvalUnit(
                                spec, "metricopt-learned", config.learnedOptimizer().baseStep()));
            }
            MetaTestPayload payload = MetaTestPayload.learnedOnly(state.array(LEARNED_WEIGHTS));
            trajs =
                    withBroadcast(
                            spark,
                            payload,
                            b ->
                                    MetaTestJob.runUnits(
                                            spark,
                                            ctx,
                                            config,
                                            b,
                                            units,
                                            String.format("metricopt-iter-%06d-phase-a", it)));
        } else {
            trajs = phaseA.take(it);
        }
        long t1 = System.nanoTime();
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
        if (bar != null) {
            bar.setExtraMessage("iteration " + it + ": Reptile");
        }
        ValueLearner learner = ValueLearner.of(config);
        if (!state.has(MetaState.SCALER_MEAN)) {
            InputScaler fitted = learner.fitScaler(ok);
            state =
                    state.with(it, MetaState.SCALER_MEAN, fitted.mean())
                            .with(it, MetaState.SCALER_STD, fitted.std());
        }
        InputScaler scaler =
                new InputScaler(
                        state.array(MetaState.SCALER_MEAN), state.array(MetaState.SCALER_STD));
        ValueLearner.Outcome vf = learner.step(valueState(state), scaler, ok, specs, it);
        float[][] adaptedByTask = new float[specs.size()][];
        float[][] contexts = new float[specs.size()][];
        double[] offsets = new double[specs.size()];
        java.util.Arrays.fill(adaptedByTask, new float[0]);
        java.util.Arrays.fill(contexts, new float[0]);
        List<Row> trajRows = new ArrayList<>();
        for (ValueLearner.TaskOutcome o : vf.tasks()) {
            Trajectory t = o.trajectory();
            adaptedByTask[t.index()] = o.adapted();
            contexts[t.index()] = o.context();
            offsets[t.index()] = o.offset();
            addTrajectoryRows(trajRows, it, t, o.interp(), o.prior());
        }
        long t2 = System.nanoTime();
        EsOutcome es = EsOutcome.NONE;
        if (learned) {
            if (bar != null) {
                bar.setExtraMessage("iteration " + it + ": ES pairs");
            }
            PhaseBPayload payload =
                    new PhaseBPayload(
                            state.array(LEARNED_WEIGHTS),
                            scaler.mean(),
                            scaler.std(),
                            adaptedByTask,
                            contexts,
                            offsets);
            es = phaseB(spark, config, ctx, state, it, specs, ok, payload);
            state = es.state();
        }
        long t3 = System.nanoTime();
        long executorNanos = 0;
        long bytes = 0;
        for (Trajectory t : trajs) {
            executorNanos += t.computeNanos();
            bytes +=
                    4L * (t.phis().length + t.losses().length + t.features().length)
                            + 12L * t.observedMetrics().length
                            + 8L * (t.probeMetrics().length + t.valueDiagnostics().length)
                            + 64;
        }
        Row metrics =
                RowFactory.create(
                        it,
                        trajs.size(),
                        failures.size(),
                        vf.mean(ValueLearner.TaskOutcome::lossBefore),
                        vf.mean(ValueLearner.TaskOutcome::lossAfter),
                        vf.mean(ValueLearner.TaskOutcome::spearmanPrior),
                        vf.mean(ValueLearner.TaskOutcome::spearmanStep),
                        mean(ok, true),
                        mean(ok, false),
                        (t1 - t0) / 1e9,
                        executorNanos / 1e9,
                        (t2 - t1) / 1e9,
                        bytes,
                        es.pairs(),
                        es.diverged(),
                        es.meanLoss(),
                        es.gradNorm(),
                        es.meanVariance(),
                        es.reparamVariance(),
                        es.esReparamCosine(),
                        (t3 - t2) / 1e9,
                        es.bytes(),
                        es.executorNanos() / 1e9,
                        es.broadcastBytes(),
                        System.currentTimeMillis());
        ValueLearner.State next = vf.state();
        state = state.with(it + 1, MetaState.VALUE_WEIGHTS, next.weights());
        if (state.has(VALUE_ADAM_M)) {
            state =
                    state.with(it + 1, VALUE_ADAM_M, next.adamM())
                            .with(it + 1, VALUE_ADAM_V, next.adamV())
                            .withCounter(VALUE_ADAM_STEP, next.adamStep());
        }
        return new Iteration(state, it, metrics, trajRows);
    }

    /** The value function's part of the meta-state. */
    static ValueLearner.State valueState(MetaState state) {
        return new ValueLearner.State(
                state.array(MetaState.VALUE_WEIGHTS),
                state.has(VALUE_ADAM_M) ? state.array(VALUE_ADAM_M) : new float[0],
                state.has(VALUE_ADAM_V) ? state.array(VALUE_ADAM_V) : new float[0],
                state.counters().getOrDefault(VALUE_ADAM_STEP, 0L));
    }

    /** What phase B produced: the updated state and figures for the metrics row. */
    record EsOutcome(
            MetaState state,
            int pairs,
            int diverged,
            double meanLoss,
            double gradNorm,
            double meanVariance,
            double reparamVariance,
            double esReparamCosine,
            long bytes,
            long executorNanos,
            long broadcastBytes) {
        static final EsOutcome NONE =
                new EsOutcome(
                        null,
                        0,
                        0,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        0L,
                        0L,
                        0L);
    }

    static <P, T> T withBroadcast(
            SparkSession spark, P payload, java.util.function.Function<Broadcast<P>, T> body) {
        Broadcast<P> b = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(payload);
        try {
            return body.apply(b);
        } finally {
            b.destroy();
        }
    }

    /**
     * Phase B (docs/DESIGN.md section 4): P antithetic pairs per task spread over the executors,
     * each returning only its key and two losses; the driver regenerates every epsilon from its
     * key, averages the antithetic ES samples and takes a clipped Adam step on w_opt.
     */
    static EsOutcome phaseB(
            SparkSession spark,
            MetricOptConfig config,
            ExecutorContext ctx,
            MetaState state,
            long it,
            List<TaskSpec> specs,
            List<Trajectory> ok,
            PhaseBPayload payload) {
        var lo = config.learnedOptimizer();
        float[] wOpt = payload.learnedWeights();
        List<EsUnit> units = new ArrayList<>();
        for (Trajectory t : ok) {
            // Phase B's unrolls do not probe the metric: only the value function learns from it.
            TaskSpec spec = specs.get(t.index()).withProbes(0, 0.0);
            if (lo.populationBatching()) {
                // One unit per task: its 2P perturbed optimizers unroll as one population.
                units.add(new EsUnit(spec, it, t.index(), 0, lo.pairsPerTask()));
            } else {
                for (int p = 0; p < lo.pairsPerTask(); p++) {
                    units.add(new EsUnit(spec, it, t.index(), p, 1));
                }
            }
        }
        List<EsResult> results =
                withBroadcast(
                        spark,
                        payload,
                        b ->
                                SparkSessions.runJob(
                                        spark,
                                        String.format("metricopt-iter-%06d-phase-b", it),
                                        ok.size() * lo.pairsPerTask()
                                                + " antithetic ES pairs in "
                                                + units.size()
                                                + " units",
                                        units,
                                        SparkSessions.partitions(spark, config, units.size()),
                                        new EsPartition(
                                                ctx,
                                                config.seed(),
                                                config.valueFunction(),
                                                lo,
                                                b)));
        double sigma = Math.sqrt(lo.sigmaSquared());
        List<double[]> samples = new ArrayList<>();
        List<double[]> reparamSamples = new ArrayList<>();
        long bytes = 0;
        long executorNanos = 0;
        int diverged = 0;
        double lossSum = 0;
        for (EsResult r : results) {
            float[] eps =
                    Perturbations.epsilon(
                            config.seed(), r.iteration(), r.task(), r.pair(), wOpt.length);
            if (Perturbations.hash(eps) != r.epsilonHash()) {
                throw badPair(
                        r,
                        "was evaluated with another perturbation than the driver regenerates"
                                + " from its key");
            }
            if (!Double.isFinite(r.lossPlus()) || !Double.isFinite(r.lossMinus())) {
                // Executors replace a diverged unroll's NaN by the bounded penalty; anything else
                // is a bug, and must not reach the aggregate, the Adam step or a checkpoint.
                throw badPair(
                        r,
                        "returned a non-finite loss ("
                                + r.lossPlus()
                                + ", "
                                + r.lossMinus()
                                + "); refusing to aggregate it");
            }
            samples.add(Estimators.antitheticSample(eps, r.lossPlus(), r.lossMinus(), sigma));
            for (float[] g : new float[][] {r.reparamPlus(), r.reparamMinus()}) {
                if (g.length == wOpt.length) {
                    double[] gd = new double[g.length];
                    for (int i = 0; i < g.length; i++) {
                        gd[i] = g[i];
                    }
                    reparamSamples.add(gd);
                }
            }
            bytes += r.wireBytes();
            executorNanos += r.computeNanos();
            diverged += r.diverged();
            lossSum += 0.5 * (r.lossPlus() + r.lossMinus());
        }
        Estimators.Batch batch = Estimators.batch(samples);
        double[] gradient = batch.mean();
        double rpVar = Double.NaN;
        double cosine = Double.NaN;
        MetaState withVariances = state;
        if (!reparamSamples.isEmpty()) {
            // Combine per coordinate with inverse-variance weights from earlier iterations' running
            // variances (independent of this batch, so the combination stays unbiased), then fold
            // this batch's variances into the running averages.
            Estimators.Batch rp = Estimators.batch(reparamSamples);
            cosine = cosine(batch.mean(), rp.mean());
            float[] runEs =
                    state.has(LEARNED_VAR_ES) ? state.array(LEARNED_VAR_ES) : ones(wOpt.length);
            float[] runRp =
                    state.has(LEARNED_VAR_RP) ? state.array(LEARNED_VAR_RP) : ones(wOpt.length);
            gradient = Estimators.combine(batch, rp, toDouble(runEs), toDouble(runRp));
            rpVar = 0;
            for (int i = 0; i < wOpt.length; i++) {
                rpVar += rp.varianceOfMean()[i] / wOpt.length;
                runEs[i] =
                        (float)
                                (0.9 * runEs[i]
                                        + 0.1 * finiteOr(batch.varianceOfMean()[i], runEs[i]));
                runRp[i] =
                        (float) (0.9 * runRp[i] + 0.1 * finiteOr(rp.varianceOfMean()[i], runRp[i]));
            }
            withVariances =
                    state.with(state.iteration(), LEARNED_VAR_ES, runEs)
                            .with(state.iteration(), LEARNED_VAR_RP, runRp);
        }
        double norm = 0;
        double var = 0;
        for (int i = 0; i < gradient.length; i++) {
            norm += gradient[i] * gradient[i];
            var += batch.varianceOfMean()[i];
        }
        long step = state.counters().getOrDefault(LEARNED_ADAM_STEP, 0L) + 1;
        MetaAdam.Result upd =
                MetaAdam.step(
                        wOpt,
                        state.array(LEARNED_ADAM_M),
                        state.array(LEARNED_ADAM_V),
                        gradient,
                        step,
                        lo.metaLearningRate(),
                        lo.clip());
        MetaState next =
                withVariances
                        .with(state.iteration(), LEARNED_WEIGHTS, upd.weights())
                        .with(state.iteration(), LEARNED_ADAM_M, upd.m())
                        .with(state.iteration(), LEARNED_ADAM_V, upd.v())
                        .withCounter(LEARNED_ADAM_STEP, step);
        return new EsOutcome(
                next,
                results.size(),
                diverged,
                lossSum / Math.max(1, results.size()),
                Math.sqrt(norm),
                var / batch.mean().length,
                rpVar,
                cosine,
                bytes,
                executorNanos,
                payload.bytes());
    }

    private static MetricOptException badPair(EsResult r, String what) {
        return new MetricOptException(
                ErrorClass.INTERNAL,
                "ES pair (iteration "
                        + r.iteration()
                        + ", task "
                        + r.task()
                        + ", pair "
                        + r.pair()
                        + ") "
                        + what);
    }

    /**
     * The tasks of meta-iteration {@code it}: their unroll optimizers used in turn, each at its
     * base learning rate times a multiplier drawn by the task's key, each probing the metric.
     */
    public static List<TaskSpec> batch(MetricOptConfig config, long it) {
        TaskSampler sampler = new TaskSampler(config);
        List<String> opts = config.metaTrain().optimizers();
        double[] multipliers = config.metaTrain().lrMultipliers();
        List<TaskSpec> specs = new ArrayList<>();
        for (int i = 0; i < config.metaTrain().tasksPerIteration(); i++) {
            String opt = opts.get(i % opts.size());
            InnerLoopConfig inner = config.inner();
            double multiplier =
                    multipliers.length == 1
                            ? multipliers[0]
                            : multipliers[
                                    Keys.rng(config.seed(), "meta-train-lr-multiplier", it, i)
                                            .nextInt(multipliers.length)];
            double lr =
                    multiplier
                            * (InnerLoopConfig.SGD.equals(opt)
                                    ? inner.sgdLearningRate()
                                    : inner.adamLearningRate());
            specs.add(
                    sampler.sample(TaskSampler.META_TRAIN, it, i)
                            .withOptimizer(opt, lr)
                            .withProbes(
                                    config.metaTrain().probePairs(),
                                    config.metaTrain().probeRadius()));
        }
        return specs;
    }

    /** The first (or last) finite observation; every ok trajectory has at least two. */
    static double firstOrLastFinite(double[] m, boolean first) {
        for (int k = 0; k < m.length; k++) {
            double v = m[first ? k : m.length - 1 - k];
            if (Double.isFinite(v)) {
                return v;
            }
        }
        return Double.NaN;
    }

    private static double mean(List<Trajectory> ok, boolean initial) {
        double s = 0;
        for (Trajectory t : ok) {
            s += firstOrLastFinite(t.observedMetrics(), initial);
        }
        return s / ok.size();
    }

    private static void addTrajectoryRows(
            List<Row> rows, long it, Trajectory t, Interpolation interp, float[] prior) {
        int next = 0;
        for (int s = 0; s <= t.steps(); s++) {
            Double observed = null;
            if (next < t.observedSteps().length && t.observedSteps()[next] == s) {
                observed = t.observedMetrics()[next++];
            }
            rows.add(
                    RowFactory.create(
                            it,
                            t.taskId(),
                            t.family(),
                            t.method(),
                            s,
                            (double) t.losses()[s],
                            observed,
                            interp.mean()[s],
                            interp.std()[s],
                            (double) prior[s]));
        }
    }

    static final StructType METRICS_SCHEMA =
            new StructType()
                    .add("iteration", DataTypes.LongType)
                    .add("tasks", DataTypes.IntegerType)
                    .add("failed_tasks", DataTypes.IntegerType)
                    .add("vf_loss_before_adapt", DataTypes.DoubleType)
                    .add("vf_loss_after_adapt", DataTypes.DoubleType)
                    .add("vf_spearman_prior", DataTypes.DoubleType)
                    .add("vf_spearman_step_index", DataTypes.DoubleType)
                    .add("val_metric_step0", DataTypes.DoubleType)
                    .add("val_metric_final", DataTypes.DoubleType)
                    .add("unroll_wall_s", DataTypes.DoubleType)
                    .add("executor_compute_s", DataTypes.DoubleType)
                    .add("driver_s", DataTypes.DoubleType)
                    .add("bytes_returned", DataTypes.LongType)
                    .add("es_pairs", DataTypes.IntegerType)
                    .add("es_diverged_unrolls", DataTypes.IntegerType)
                    .add("es_mean_opt_loss", DataTypes.DoubleType)
                    .add("es_grad_norm", DataTypes.DoubleType)
                    .add("es_grad_variance", DataTypes.DoubleType)
                    .add("reparam_grad_variance", DataTypes.DoubleType)
                    .add("es_reparam_cosine", DataTypes.DoubleType)
                    .add("phase_b_wall_s", DataTypes.DoubleType)
                    .add("es_bytes_returned", DataTypes.LongType)
                    .add("es_executor_compute_s", DataTypes.DoubleType)
                    .add("es_broadcast_bytes", DataTypes.LongType)
                    .add("timestamp_ms", DataTypes.LongType);

    static final StructType TRAJECTORY_SCHEMA =
            new StructType()
                    .add("iteration", DataTypes.LongType)
                    .add("task_id", DataTypes.StringType)
                    .add("family", DataTypes.StringType)
                    .add("method", DataTypes.StringType)
                    .add("step", DataTypes.IntegerType)
                    .add("loss", DataTypes.DoubleType)
                    .add("observed_metric", DataTypes.DoubleType, true)
                    .add("interp_mean", DataTypes.DoubleType)
                    .add("interp_std", DataTypes.DoubleType)
                    .add("vf_prediction", DataTypes.DoubleType);

    /** Writes the metrics/ and trajectories/ rows of a batch of iterations. */
    private static void writeLogs(SparkSession spark, RunDirectory runDir, List<Iteration> batch) {
        List<Row> metrics = new ArrayList<>();
        List<Row> trajRows = new ArrayList<>();
        for (Iteration i : batch) {
            metrics.add(i.metrics());
            trajRows.addAll(i.trajectories());
        }
        // Called on the writer thread only; the pool is a property of the calling thread.
        spark.sparkContext().setLocalProperty("spark.scheduler.pool", SparkSessions.WRITE_POOL);
        writePartitions(spark.createDataFrame(metrics, METRICS_SCHEMA), runDir.path("metrics"), 1);
        // The rows travel inside the write tasks: at most about 4,000 trajectory rows (some 500
        // KiB) per task keeps each under Spark's 1,000 KiB task-size warning.
        writePartitions(
                spark.createDataFrame(trajRows, TRAJECTORY_SCHEMA),
                runDir.path("trajectories"),
                Math.max(1, (trajRows.size() + ROWS_PER_WRITE_TASK - 1) / ROWS_PER_WRITE_TASK));
        // A dynamic partition overwrite leaves no _SUCCESS marker; each iteration's directory
        // gets one, as when every iteration was a write of its own (schedulers may wait for it).
        for (Iteration i : batch) {
            for (String dir : List.of(runDir.path("metrics"), runDir.path("trajectories"))) {
                String partition = dir + String.format("/iteration=%06d", i.index());
                if (HadoopFiles.exists(runDir.hadoopConf(), partition)) {
                    HadoopFiles.writeAtomically(
                            runDir.hadoopConf(), partition + "/_SUCCESS", new byte[0]);
                }
            }
        }
    }

    /** Trajectory rows per write task (see {@link #writeLogs}). */
    static final int ROWS_PER_WRITE_TASK = 4_000;

    /**
     * One Parquet write of rows from several iterations: a directory {@code iteration=NNNNNN} per
     * iteration, each replaced as a whole (dynamic partition overwrite), so a resumed run that
     * repeats an iteration rewrites its rows instead of adding to them, and other iterations'
     * directories are left alone.
     */
    static void writePartitions(Dataset<Row> rows, String dir, int tasks) {
        // coalesce merges neighbouring slices of the local rows (no shuffle), so the rows of one
        // iteration stay in order and in one or two files.
        rows.withColumn("iteration", functions.format_string("%06d", functions.col("iteration")))
                .coalesce(tasks)
                .write()
                .mode(SaveMode.Overwrite)
                .option("partitionOverwriteMode", "dynamic")
                .partitionBy("iteration")
                .parquet(dir);
    }
}
