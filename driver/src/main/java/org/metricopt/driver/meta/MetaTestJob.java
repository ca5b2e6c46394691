package org.metricopt.driver.meta;

import ai.djl.ndarray.NDManager;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.metricopt.common.config.FamilyConfig;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.ThetaStore;
import org.metricopt.driver.eval.EvalRecord;
import org.metricopt.driver.eval.EvalReport;
import org.metricopt.executor.EvalPartition;
import org.metricopt.executor.EvalUnit;
import org.metricopt.executor.ExecutorContext;

/**
 * Meta-test (DESIGN.md section 3): held-out tasks of every family, finetuned by every method. Each
 * method first gets the same tuning budget: its learning rate is chosen from {@code eval.lr-grid}
 * by the mean final validation metric on separate validation tasks (never on the test split).
 * Reported numbers are the task metric on the test split (t10k) after T steps.
 */
public final class MetaTestJob {
    private MetaTestJob() {}

    public static EvalReport.Summary run(
            SparkSession spark,
            MetricOptConfig config,
            RunDirectory runDir,
            String command,
            PrintStream out) {
        try (MetaTestState meta = MetaTestState.load(spark, config, runDir, out)) {
            ExecutorContext ctx = meta.context();
            Broadcast<float[][]> broadcast = meta.broadcast();
            boolean haveLearned = meta.haveLearned();
            MetaState state = meta.state();
            TaskSampler sampler = new TaskSampler(config);
            List<String> families = new ArrayList<>(config.tasks().mixture().keySet());

            // 1. Equal tuning budget: every method tries every lr multiplier on validation tasks.
            List<EvalUnit> tuning = new ArrayList<>();
            for (String family : families) {
                for (int i = 0; i < config.eval().validationTasksPerFamily(); i++) {
                    TaskSpec spec = sampler.sampleFamily(TaskSampler.VALIDATION, family, 0, i);
                    for (String method : methods(config, family, haveLearned)) {
                        for (double g : config.eval().lrGrid()) {
                            tuning.add(new EvalUnit(spec, method, g * baseLr(config, method)));
                        }
                    }
                }
            }
            out.printf(
                    "meta-test: choosing learning rates on %d validation unrolls%n", tuning.size());
            List<Trajectory> tuned =
                    runUnits(
                            spark,
                            ctx,
                            config,
                            broadcast,
                            tuning,
                            "metricopt-meta-test-lr-selection");
            Map<String, Double> chosen = chooseLearningRates(tuning, tuned);

            // 2. Held-out tasks with the chosen learning rates.
            List<EvalUnit> units = new ArrayList<>();
            for (String family : families) {
                for (int i = 0; i < config.eval().tasksPerFamily(); i++) {
                    TaskSpec spec = heldOutTask(sampler, family, i);
                    for (String method : methods(config, family, haveLearned)) {
                        units.add(new EvalUnit(spec, method, chosen.get(family + "|" + method)));
                    }
                }
            }
            out.printf(
                    "meta-test: %d held-out unrolls (%d tasks per family)%n",
                    units.size(), config.eval().tasksPerFamily());
            List<Trajectory> results =
                    runUnits(spark, ctx, config, broadcast, units, "metricopt-meta-test");

            List<EvalRecord> records = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                EvalUnit u = units.get(i);
                Trajectory t = results.get(i);
                records.add(
                        new EvalRecord(
                                u.spec().family(),
                                u.spec().metric(),
                                u.spec().id(),
                                u.method(),
                                t.status(),
                                t.failure(),
                                u.learningRate(),
                                t.testMetricInitial(),
                                t.testMetricFinal(),
                                t.observedSteps(),
                                t.observedMetrics()));
            }
            double spearman = heldOutSpearman(config, state, units, results);
            writeResults(spark, runDir, records);
            EvalReport.Summary summary =
                    EvalReport.write(
                            runDir.hadoopConf(), runDir.path("eval"), records, spearman, command);
            out.println();
            out.print(EvalReport.toConsoleTable(summary));
            out.printf(
                    Locale.ROOT,
                    "value function on held-out trajectories: Spearman %.3f%n",
                    spearman);
            out.println("report: " + runDir.path("eval/report.md"));
            return summary;
        }
    }

    /**
     * The held-out task {@code index} of {@code family}: the same task, seed and data that {@link
     * #run} finetunes as that family's task {@code index}, so a rerun can be compared with its row
     * in {@code eval/results.parquet}.
     */
    public static TaskSpec heldOutTask(MetricOptConfig config, String family, int index) {
        if (!config.tasks().mixture().containsKey(family)) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "no task family '"
                            + family
                            + "' in this run; its families are "
                            + config.tasks().mixture().keySet());
        }
        if (index < 0) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "held-out task index " + index + " is negative; the first task is 0");
        }
        return heldOutTask(new TaskSampler(config), family, index);
    }

    private static TaskSpec heldOutTask(TaskSampler sampler, String family, int index) {
        return sampler.sampleFamily(TaskSampler.META_TEST, family, 0, index);
    }

    /**
     * Runs one held-out task with one method and learning rate on the executors, with the run's
     * meta-learned value function (and learned optimizer) from its latest checkpoint: exactly the
     * unroll {@link #run} performs for that task and method, for notebooks and other callers that
     * want to watch one task live instead of rerunning the whole meta-test.
     *
     * @param method one of {@code eval.methods} that applies to the family
     * @param learningRate the base optimizer's learning rate (meta-test's chosen one is in {@code
     *     eval/results.parquet}; {@link #baseLr} otherwise)
     */
    public static Trajectory runHeldOutTask(
            SparkSession spark,
            MetricOptConfig config,
            RunDirectory runDir,
            String family,
            int index,
            String method,
            double learningRate,
            PrintStream out) {
        TaskSpec spec = heldOutTask(config, family, index);
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "learning rate " + learningRate + " must be a positive finite number");
        }
        try (MetaTestState meta = MetaTestState.load(spark, config, runDir, out)) {
            List<String> allowed = methods(config, family, meta.haveLearned());
            if (!allowed.contains(method)) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT,
                        "method '"
                                + method
                                + "' does not apply to family "
                                + family
                                + " in this run; choose one of "
                                + allowed);
            }
            EvalUnit unit = new EvalUnit(spec, method, learningRate);
            return runUnits(
                            spark,
                            meta.context(),
                            config,
                            meta.broadcast(),
                            List.of(unit),
                            "metricopt-held-out-task")
                    .get(0);
        }
    }

    /**
     * What every meta-test unroll needs from the run: the latest checkpoint's meta-learned state,
     * checked against the configuration and broadcast once, and the executors' context. Closing it
     * destroys the broadcast.
     */
    private record MetaTestState(
            MetaState state,
            ExecutorContext context,
            Broadcast<float[][]> broadcast,
            boolean haveLearned)
            implements AutoCloseable {
        static MetaTestState load(
                SparkSession spark, MetricOptConfig config, RunDirectory runDir, PrintStream out) {
            MetaState state =
                    Checkpoints.latest(runDir.hadoopConf(), runDir.uri())
                            .orElseThrow(
                                    () ->
                                            new MetricOptException(
                                                    ErrorClass.INVALID_ARGUMENT,
                                                    "run directory "
                                                            + runDir.uri()
                                                            + " has no complete checkpoint; run"
                                                            + " meta-train first"));
            if (!state.has(MetaState.SCALER_MEAN)) {
                throw new MetricOptException(
                        ErrorClass.INVALID_CHECKPOINT,
                        "the checkpoint of "
                                + runDir.uri()
                                + " has no value function yet (0 iterations)");
            }
            checkValueFunctionShape(config, state, runDir);
            String thetaDir = ThetaStore.ensure(runDir.hadoopConf(), config, out);
            ExecutorContext ctx = SparkSessions.executorContext(spark, config, thetaDir);
            float[] learned =
                    state.has(MetaTrainJob.LEARNED_WEIGHTS)
                            ? state.array(MetaTrainJob.LEARNED_WEIGHTS)
                            : new float[0];
            float[][] vf = {
                state.array(MetaState.VALUE_WEIGHTS),
                state.array(MetaState.SCALER_MEAN),
                state.array(MetaState.SCALER_STD),
                learned
            };
            Broadcast<float[][]> broadcast =
                    JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(vf);
            return new MetaTestState(state, ctx, broadcast, learned.length > 0);
        }

        @Override
        public void close() {
            broadcast.destroy();
        }
    }

    /**
     * The meta-learned value function must fit this configuration's network and hidden width;
     * otherwise every MetricOpt unroll would fail on the executors with a shape error.
     */
    static void checkValueFunctionShape(
            MetricOptConfig config, MetaState state, RunDirectory runDir) {
        int d = BaseNetwork.of(config.network()).adapterDim();
        int hidden = config.valueFunction().hidden();
        int weights = state.array(MetaState.VALUE_WEIGHTS).length;
        int scaler = state.array(MetaState.SCALER_MEAN).length;
        if (weights != ValueFunction.size(d, hidden) || scaler != d) {
            throw new MetricOptException(
                    ErrorClass.RUN_DIR_CONFLICT,
                    String.format(
                            Locale.ROOT,
                            "the value function in %s (iteration %d) has %d weights over %d"
                                    + " inputs, but this configuration (adapter dim %d,"
                                    + " value-function.hidden = %d) needs %d weights over %d;"
                                    + " meta-test the run with the configuration in its %s",
                            runDir.uri(),
                            state.iteration(),
                            weights,
                            scaler,
                            d,
                            hidden,
                            ValueFunction.size(d, hidden),
                            d,
                            RunDirectory.RUN_JSON));
        }
    }

    /**
     * The methods meta-test runs on a family: {@code eval.methods} without ap-surrogate on
     * multi-class families and without metricopt-learned when the run has no learned optimizer.
     */
    public static List<String> methods(MetricOptConfig config, String family, boolean haveLearned) {
        boolean binary =
                FamilyConfig.ONE_VS_REST.equals(config.tasks().families().get(family).kind());
        List<String> out = new ArrayList<>();
        for (String m : config.eval().methods()) {
            if ("ap-surrogate".equals(m) && !binary) {
                continue;
            }
            if ("metricopt-learned".equals(m) && !haveLearned) {
                continue;
            }
            out.add(m);
        }
        return out;
    }

    /** The base learning rate of a method, which {@code eval.lr-grid} multiplies. */
    public static double baseLr(MetricOptConfig config, String method) {
        if ("metricopt-learned".equals(method)) {
            return config.learnedOptimizer().baseStep();
        }
        return "sgd".equals(EvalUnit.baseOptimizer(method))
                ? config.inner().sgdLearningRate()
                : config.inner().adamLearningRate();
    }

    static List<Trajectory> runUnits(
            SparkSession spark,
            ExecutorContext ctx,
            MetricOptConfig config,
            Broadcast<float[][]> vf,
            List<EvalUnit> units,
            String group) {
        EngineSetup.configure(config.spark().djlThreads());
        return SparkSessions.runJob(
                spark,
                group,
                units.size() + " unrolls",
                units,
                SparkSessions.partitions(spark, config, units.size()),
                new EvalPartition(
                        ctx, config.valueFunction(), config.learnedOptimizer().hidden(), vf));
    }

    /** Per (family, method): the learning rate with the lowest mean final validation metric. */
    static Map<String, Double> chooseLearningRates(List<EvalUnit> units, List<Trajectory> results) {
        Map<String, Map<Double, double[]>> sums = new LinkedHashMap<>();
        for (int i = 0; i < units.size(); i++) {
            EvalUnit u = units.get(i);
            Trajectory t = results.get(i);
            double v =
                    t.ok()
                            ? MetaTrainJob.firstOrLastFinite(t.observedMetrics(), false)
                            : Double.NaN;
            double[] acc =
                    sums.computeIfAbsent(
                                    u.spec().family() + "|" + u.method(),
                                    k -> new LinkedHashMap<>())
                            .computeIfAbsent(u.learningRate(), k -> new double[2]);
            if (Double.isFinite(v)) {
                acc[0] += v;
                acc[1]++;
            } else {
                acc[0] += 1e9;
                acc[1]++;
            }
        }
        Map<String, Double> chosen = new LinkedHashMap<>();
        for (var e : sums.entrySet()) {
            double best = Double.POSITIVE_INFINITY;
            double bestLr = Double.NaN;
            for (var lr : e.getValue().entrySet()) {
                double mean = lr.getValue()[0] / lr.getValue()[1];
                if (mean < best) {
                    best = mean;
                    bestLr = lr.getKey();
                }
            }
            chosen.put(e.getKey(), bestLr);
        }
        return chosen;
    }

    /**
     * How well the meta-learned value function (before any adaptation to the task) ranks the
     * observed validation metrics of held-out trajectories: the mean over CE-finetuned held-out
     * tasks of the Spearman correlation between f(phi_t) and M_t at the observation steps.
     */
    static double heldOutSpearman(
            MetricOptConfig config,
            MetaState state,
            List<EvalUnit> units,
            List<Trajectory> results) {
        InputScaler scaler =
                new InputScaler(
                        state.array(MetaState.SCALER_MEAN), state.array(MetaState.SCALER_STD));
        double sum = 0;
        int n = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < units.size(); i++) {
                Trajectory t = results.get(i);
                if (!t.ok() || !units.get(i).method().startsWith("ce-")) {
                    continue;
                }
                try (ValueFunction f =
                        new ValueFunction(
                                m,
                                t.adapterDim(),
                                config.valueFunction().hidden(),
                                scaler,
                                state.array(MetaState.VALUE_WEIGHTS))) {
                    double rho = MetaTrainJob.spearmanAtObservations(f.predict(t.phis()), t);
                    if (Double.isFinite(rho)) {
                        sum += rho;
                        n++;
                    }
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private static void writeResults(
            SparkSession spark, RunDirectory runDir, List<EvalRecord> records) {
        StructType schema =
                new StructType()
                        .add("family", DataTypes.StringType)
                        .add("metric", DataTypes.StringType)
                        .add("task_id", DataTypes.StringType)
                        .add("method", DataTypes.StringType)
                        .add("status", DataTypes.StringType)
                        .add("failure", DataTypes.StringType)
                        .add("learning_rate", DataTypes.DoubleType)
                        .add("test_metric_step0", DataTypes.DoubleType)
                        .add("test_metric", DataTypes.DoubleType)
                        .add("observed_steps", DataTypes.createArrayType(DataTypes.IntegerType))
                        .add(
                                "observed_val_metrics",
                                DataTypes.createArrayType(DataTypes.DoubleType));
        List<Row> rows = new ArrayList<>();
        for (EvalRecord r : records) {
            Integer[] steps =
                    java.util.Arrays.stream(r.observedSteps()).boxed().toArray(Integer[]::new);
            Double[] vals =
                    java.util.Arrays.stream(r.observedMetrics()).boxed().toArray(Double[]::new);
            rows.add(
                    RowFactory.create(
                            r.family(),
                            r.metric(),
                            r.taskId(),
                            r.method(),
                            r.status(),
                            r.failure(),
                            r.learningRate(),
                            r.testMetricInitial(),
                            r.testMetricFinal(),
                            steps,
                            vals));
        }
        spark.createDataFrame(rows, schema)
                .coalesce(1)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(runDir.path("eval/results.parquet"));
    }
}
