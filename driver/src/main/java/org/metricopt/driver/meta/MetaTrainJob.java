package org.metricopt.driver.meta;

import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.metricopt.common.config.InnerLoopConfig;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.interp.GaussianProcess;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.Reptile;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.driver.FinetuneJob;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.ThetaStore;
import org.metricopt.executor.ExecutorContext;

/**
 * Value-function meta-training with Reptile (DESIGN.md section 3). Each iteration: the executors
 * unroll a batch of tasks from p(T) with SGD or Adam and return trajectories with sparse metrics;
 * the driver densifies each task's metrics with a GP, adapts a copy of the value function to it
 * (w~), and moves the meta-weights by {@code eta * mean(w~ - w)}. One Parquet row per iteration
 * goes to {@code metrics/}, one per task step to {@code trajectories/}, and the meta-state is
 * checkpointed atomically.
 */
public final class MetaTrainJob {
    private MetaTrainJob() {}

    /** Initial output bias of the value function: a typical metric value. */
    static final float INITIAL_OUTPUT = 0.3f;

    public static MetaState initialState(MetricOptConfig config) {
        int d = BaseNetwork.of(config.network()).adapterDim();
        float[] w =
                ValueFunction.initialise(
                        d,
                        config.valueFunction().hidden(),
                        Keys.derive(config.seed(), "vf"),
                        INITIAL_OUTPUT);
        return new MetaState(
                        0,
                        ConfigFingerprint.of(config),
                        new java.util.TreeMap<>(),
                        new java.util.TreeMap<>())
                .with(0, MetaState.VALUE_WEIGHTS, w);
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
        String thetaDir = ThetaStore.ensure(runDir.hadoopConf(), config, out);
        ExecutorContext ctx =
                ExecutorContext.of(config, thetaDir, SparkSessions.hadoopSettings(spark));
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
                                + "); pass --resume to continue it or"
                                + " choose another --run-dir");
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
                                + "); resume it with its own configuration or choose another --run-dir");
            }
            out.printf(
                    "resuming meta-training at iteration %d of %d%n",
                    state.iteration(), config.metaTrain().iterations());
        } else {
            state = initialState(config);
        }
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
            while (state.iteration() < total) {
                bar.setExtraMessage("iteration " + state.iteration() + ": unrolls");
                state = iterate(spark, config, ctx, runDir, state, bar);
                bar.stepTo(state.iteration());
                boolean last = state.iteration() == total;
                if (last || state.iteration() % config.metaTrain().checkpointEvery() == 0) {
                    Checkpoints.write(runDir.hadoopConf(), runDir.uri(), state);
                }
            }
        }
        return state;
    }

    /** One meta-iteration; returns the state after it (not yet checkpointed). */
    static MetaState iterate(
            SparkSession spark,
            MetricOptConfig config,
            ExecutorContext ctx,
            RunDirectory runDir,
            MetaState state,
            ProgressBar bar) {
        long it = state.iteration();
        long t0 = System.nanoTime();
        List<TaskSpec> specs = batch(config, it);
        int partitions = SparkSessions.partitions(spark, config, specs.size());
        List<Trajectory> trajs =
                FinetuneJob.runTasks(
                        spark,
                        ctx,
                        specs,
                        partitions,
                        String.format("metricopt-iter-%06d-unrolls", it));
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
        ValueFunctionConfig vf = config.valueFunction();
        int d = ok.get(0).adapterDim();
        if (!state.has(MetaState.SCALER_MEAN)) {
            float[][] rows = ok.stream().map(Trajectory::phis).toArray(float[][]::new);
            InputScaler fitted = InputScaler.fit(rows, d, vf.minStd());
            state =
                    state.with(it, MetaState.SCALER_MEAN, fitted.mean())
                            .with(it, MetaState.SCALER_STD, fitted.std());
        }
        InputScaler scaler =
                new InputScaler(
                        state.array(MetaState.SCALER_MEAN), state.array(MetaState.SCALER_STD));
        float[] w = state.array(MetaState.VALUE_WEIGHTS);
        GaussianProcess gp = GaussianProcess.defaults();
        List<float[]> adapted = new ArrayList<>();
        double lossBefore = 0;
        double lossAfter = 0;
        double spearman = 0;
        int spearmanCount = 0;
        List<Row> trajRows = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Trajectory t : ok) {
                int steps = t.steps();
                Interpolation interp =
                        gp.interpolate(t.observedSteps(), t.observedMetrics(), steps);
                try (ValueFunction f = new ValueFunction(manager, d, vf.hidden(), scaler, w)) {
                    float[] prior = f.predict(t.phis());
                    double rho = spearmanAtObservations(prior, t);
                    if (Double.isFinite(rho)) {
                        spearman += rho;
                        spearmanCount++;
                    }
                    ValueFunction.Adaptation a =
                            f.adapt(
                                    t.phis(),
                                    interp.mean(),
                                    interp.std(),
                                    vf,
                                    Keys.rng(config.seed(), "vf-pairs", it, t.index()));
                    lossBefore += a.lossBefore();
                    lossAfter += a.lossAfter();
                    adapted.add(f.weights());
                    addTrajectoryRows(trajRows, it, t, interp, prior);
                }
            }
        }
        float[] next = Reptile.update(w, adapted, vf.reptileStep());
        long t2 = System.nanoTime();
        long executorNanos = 0;
        long bytes = 0;
        for (Trajectory t : trajs) {
            executorNanos += t.computeNanos();
            bytes +=
                    4L * (t.phis().length + t.losses().length)
                            + 12L * t.observedMetrics().length
                            + 64;
        }
        Row metrics =
                RowFactory.create(
                        it,
                        trajs.size(),
                        failures.size(),
                        lossBefore / ok.size(),
                        lossAfter / ok.size(),
                        spearmanCount == 0 ? Double.NaN : spearman / spearmanCount,
                        mean(ok, true),
                        mean(ok, false),
                        (t1 - t0) / 1e9,
                        executorNanos / 1e9,
                        (t2 - t1) / 1e9,
                        bytes,
                        System.currentTimeMillis());
        writeLogs(spark, runDir, it, metrics, trajRows);
        return state.with(it + 1, MetaState.VALUE_WEIGHTS, next);
    }

    /** The tasks of meta-iteration {@code it}, their unroll optimizers used in turn. */
    public static List<TaskSpec> batch(MetricOptConfig config, long it) {
        TaskSampler sampler = new TaskSampler(config);
        List<String> opts = config.metaTrain().optimizers();
        List<TaskSpec> specs = new ArrayList<>();
        for (int i = 0; i < config.metaTrain().tasksPerIteration(); i++) {
            String opt = opts.get(i % opts.size());
            InnerLoopConfig inner = config.inner();
            double lr =
                    InnerLoopConfig.SGD.equals(opt)
                            ? inner.sgdLearningRate()
                            : inner.adamLearningRate();
            specs.add(sampler.sample(TaskSampler.META_TRAIN, it, i).withOptimizer(opt, lr));
        }
        return specs;
    }

    /** Spearman rank correlation of predictions and observed metrics at the observation steps. */
    public static double spearmanAtObservations(float[] predictions, Trajectory t) {
        int k = t.observedSteps().length;
        if (k < 3) {
            return Double.NaN;
        }
        double[] p = new double[k];
        for (int i = 0; i < k; i++) {
            p[i] = predictions[t.observedSteps()[i]];
        }
        double[] m = t.observedMetrics();
        if (constant(p) || constant(m)) {
            return Double.NaN;
        }
        return new SpearmansCorrelation().correlation(p, m);
    }

    private static boolean constant(double[] a) {
        for (double v : a) {
            if (v != a[0]) {
                return false;
            }
        }
        return true;
    }

    private static double mean(List<Trajectory> ok, boolean initial) {
        double s = 0;
        for (Trajectory t : ok) {
            double[] m = t.observedMetrics();
            s += initial ? m[0] : m[m.length - 1];
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
                    .add("val_metric_step0", DataTypes.DoubleType)
                    .add("val_metric_final", DataTypes.DoubleType)
                    .add("unroll_wall_s", DataTypes.DoubleType)
                    .add("executor_compute_s", DataTypes.DoubleType)
                    .add("driver_s", DataTypes.DoubleType)
                    .add("bytes_returned", DataTypes.LongType)
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

    /**
     * Writes the iteration's rows into its own Parquet directory ({@code iteration=N}), replacing
     * any earlier attempt, so a resumed run never duplicates rows.
     */
    private static void writeLogs(
            SparkSession spark, RunDirectory runDir, long it, Row metrics, List<Row> trajRows) {
        String part = String.format("/iteration=%06d", it);
        spark.createDataFrame(List.of(metrics), METRICS_SCHEMA)
                .drop("iteration")
                .coalesce(1)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(runDir.path("metrics") + part);
        spark.createDataFrame(trajRows, TRAJECTORY_SCHEMA)
                .drop("iteration")
                .coalesce(1)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(runDir.path("trajectories") + part);
    }
}
