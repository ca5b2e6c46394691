package org.metricopt.driver.meta;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.metricopt.common.config.EvalConfig;
import org.metricopt.common.config.FamilyConfig;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Method;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.common.valuefn.ValueLearner;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.ThetaStore;
import org.metricopt.driver.eval.EvalRecord;
import org.metricopt.driver.eval.EvalReport;
import org.metricopt.executor.EvalPartition;
import org.metricopt.executor.EvalUnit;
import org.metricopt.executor.ExecutorContext;
import org.metricopt.executor.MetaTestPayload;

/**
 * Meta-test (docs/DESIGN.md section 3): held-out tasks of every family, finetuned by every method.
 * Each method first gets the same tuning budget: its learning rate is chosen from {@code
 * eval.lr-grid} by the mean final validation metric on separate validation tasks (never on the test
 * split). Reported numbers are the task metric on the test split (t10k) after T steps.
 */
public final class MetaTestJob {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(MetaTestJob.class);

    private MetaTestJob() {}

    public static EvalReport.Summary run(
            SparkSession spark,
            MetricOptConfig config,
            RunDirectory runDir,
            String command,
            PrintStream out) {
        try (MetaTestState meta = MetaTestState.load(spark, config, runDir, out)) {
            ExecutorContext ctx = meta.context();
            Broadcast<MetaTestPayload> broadcast = meta.broadcast();
            boolean haveLearned = meta.haveLearned();
            MetaState state = meta.state();
            TaskSampler sampler = new TaskSampler(config);
            List<String> families = new ArrayList<>(config.tasks().mixture().keySet());

            // 1. Equal tuning budget on validation tasks: every method with a learning rate of its
            // own tries every lr multiplier; then every value-guided method tries every lambda_v
            // at the learning rate chosen for its base optimizer's CE baseline.
            List<EvalUnit> tuning = new ArrayList<>();
            for (String family : families) {
                for (int i = 0; i < config.eval().validationTasksPerFamily(); i++) {
                    TaskSpec spec = sampler.sampleFamily(TaskSampler.VALIDATION, family, 0, i);
                    for (String method : tunedByLearningRate(config, family, haveLearned)) {
                        for (double g : config.eval().lrGrid()) {
                            tuning.add(new EvalUnit(spec, method, g * baseLr(config, method)));
                        }
                    }
                }
            }
            LOG.info("meta-test: choosing learning rates on {} validation unrolls", tuning.size());
            List<Trajectory> tuned =
                    runUnits(
                            spark,
                            ctx,
                            config,
                            broadcast,
                            tuning,
                            "metricopt-meta-test-lr-selection");
            Map<String, Double> chosen = chooseLearningRates(tuning, tuned);
            List<EvalUnit> lambdaTuning = new ArrayList<>();
            for (String family : families) {
                for (int i = 0; i < config.eval().validationTasksPerFamily(); i++) {
                    TaskSpec spec = sampler.sampleFamily(TaskSampler.VALIDATION, family, 0, i);
                    for (String method : unrolledMethods(config, family, haveLearned)) {
                        if (!Method.of(method).valueGuided()) {
                            continue;
                        }
                        double lr = chosen.get(family + "|" + baselineOf(method));
                        for (double lambda : config.eval().lambdaGrid()) {
                            lambdaTuning.add(new EvalUnit(spec, method, lr, lambda));
                        }
                    }
                }
            }
            Map<String, Double> chosenLambda = new LinkedHashMap<>();
            if (!lambdaTuning.isEmpty()) {
                LOG.info(
                        "meta-test: choosing lambda_v on {} validation unrolls",
                        lambdaTuning.size());
                List<Trajectory> lambdaTuned =
                        runUnits(
                                spark,
                                ctx,
                                config,
                                broadcast,
                                lambdaTuning,
                                "metricopt-meta-test-lambda-selection");
                chosenLambda = choose(lambdaTuning, lambdaTuned, EvalUnit::lambda);
            }

            // 2. Held-out tasks with the chosen settings. The best-observed baselines need no
            // unroll of their own: they are their CE baseline's unroll, stopped at its best
            // observation.
            List<EvalUnit> units = new ArrayList<>();
            for (String family : families) {
                for (int i = 0; i < config.eval().tasksPerFamily(); i++) {
                    TaskSpec spec = reportedTask(config, sampler, family, i);
                    for (String method : unrolledMethods(config, family, haveLearned)) {
                        String key = family + "|" + method;
                        units.add(
                                Method.of(method).valueGuided()
                                        ? new EvalUnit(
                                                spec,
                                                method,
                                                chosen.get(family + "|" + baselineOf(method)),
                                                chosenLambda.get(key))
                                        : new EvalUnit(spec, method, chosen.get(key)));
                    }
                }
            }
            LOG.info(
                    "meta-test: {} held-out unrolls ({} tasks per family)",
                    units.size(),
                    config.eval().tasksPerFamily());
            List<Trajectory> results =
                    runUnits(spark, ctx, config, broadcast, units, "metricopt-meta-test");

            List<EvalRecord> records = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                EvalUnit u = units.get(i);
                Trajectory t = results.get(i);
                records.add(record(u, u.method(), t, t.testMetricFinal()));
                Optional<Method> bestObserved = u.kind().withBestObserved();
                if (bestObserved.isPresent()
                        && config.eval().methods().contains(bestObserved.get().id())) {
                    records.add(record(u, bestObserved.get().id(), t, t.testMetricBestObserved()));
                }
            }
            double spearman = heldOutSpearman(config, state, units, results);
            Map<String, EvalReport.Diagnostics> diagnostics =
                    MetaTestDiagnostics.compute(config, state, families, units, results);
            writeResults(spark, runDir, records);
            EvalReport.Summary summary =
                    EvalReport.write(
                            runDir.hadoopConf(),
                            runDir.path("eval"),
                            records,
                            spearman,
                            diagnostics,
                            command);
            out.println();
            out.print(EvalReport.toConsoleTable(summary));
            out.printf(
                    Locale.ROOT,
                    "value function on held-out trajectories: Spearman %.3f%n",
                    spearman);
            out.print(MetaTestDiagnostics.toConsole(diagnostics, summary));
            out.println("report: " + runDir.path("eval/report.md"));
            org.metricopt.driver.FamilyFailures.requireEveryFamily(
                    "meta-test", results, runDir.path("eval/report.md"));
            return summary;
        }
    }

    private static EvalRecord record(EvalUnit u, String method, Trajectory t, double testMetric) {
        return new EvalRecord(
                u.spec().family(),
                u.spec().metric(),
                u.spec().id(),
                method,
                t.status().id(),
                t.failure(),
                u.learningRate(),
                Method.of(method).valueGuided() ? u.lambda() : Double.NaN,
                t.testMetricInitial(),
                testMetric,
                t.observedSteps(),
                t.observedMetrics());
    }

    /** The CE baseline whose learning rate a value-guided method uses: same base optimizer. */
    static String baselineOf(String method) {
        return Method.of(method).crossEntropyBaseline().id();
    }

    /**
     * The methods that run an unroll of their own on a family: {@link #methods} without the
     * best-observed variants, plus the CE baseline of each best-observed variant.
     */
    static List<String> unrolledMethods(MetricOptConfig config, String family, boolean learned) {
        List<String> out = new ArrayList<>();
        for (String m : methods(config, family, learned)) {
            String unrolled = Method.of(m).unrolled().id();
            if (!out.contains(unrolled)) {
                out.add(unrolled);
            }
        }
        return out;
    }

    /**
     * The methods whose learning rate is tuned on a family: the unrolled methods that are not
     * value-guided, plus the CE baseline of every value-guided one (whose learning rate they use).
     */
    static List<String> tunedByLearningRate(
            MetricOptConfig config, String family, boolean learned) {
        List<String> out = new ArrayList<>();
        for (String m : unrolledMethods(config, family, learned)) {
            String tuned = Method.of(m).valueGuided() ? baselineOf(m) : m;
            if (!out.contains(tuned)) {
                out.add(tuned);
            }
        }
        return out;
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
     * The reported task {@code index} of {@code family}: the held-out meta-test task, or with
     * {@code eval.held-out-stream = validation} a validation-stream task of iteration 1 (the tuning
     * tasks are iteration 0's).
     */
    private static TaskSpec reportedTask(
            MetricOptConfig config, TaskSampler sampler, String family, int index) {
        return EvalConfig.VALIDATION.equals(config.eval().heldOutStream())
                ? sampler.sampleFamily(TaskSampler.VALIDATION, family, 1, index)
                : heldOutTask(sampler, family, index);
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
     * @param lambda lambda_v of a value-guided method (meta-test's chosen one is in {@code
     *     eval/results.parquet}); ignored by the other methods
     */
    public static Trajectory runHeldOutTask(
            SparkSession spark,
            MetricOptConfig config,
            RunDirectory runDir,
            String family,
            int index,
            String method,
            double learningRate,
            double lambda,
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
            EvalUnit unit =
                    new EvalUnit(
                            spec,
                            method,
                            learningRate,
                            Method.of(method).valueGuided() ? lambda : 0);
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
            Broadcast<MetaTestPayload> broadcast,
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
                    !state.has(MetaState.LEARNED_WEIGHTS)
                            ? new float[0]
                            : EvalConfig.INITIAL.equals(config.eval().learnedWeights())
                                    ? MetaLearner.initialLearnedWeights(config)
                                    : state.array(MetaState.LEARNED_WEIGHTS);
            MetaTestPayload payload =
                    new MetaTestPayload(
                            state.array(MetaState.VALUE_WEIGHTS),
                            state.array(MetaState.SCALER_MEAN),
                            state.array(MetaState.SCALER_STD),
                            learned);
            Broadcast<MetaTestPayload> broadcast =
                    JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(payload);
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
        int d = ValueLearner.of(config).inputs();
        int hidden = config.valueFunction().hidden();
        int weights = state.array(MetaState.VALUE_WEIGHTS).length;
        int scaler = state.array(MetaState.SCALER_MEAN).length;
        if (weights != ValueFunction.size(d, hidden) || scaler != d) {
            throw new MetricOptException(
                    ErrorClass.RUN_DIR_CONFLICT,
                    String.format(
                            Locale.ROOT,
                            "the value function in %s (iteration %d) has %d weights over %d"
                                    + " inputs, but this configuration (value-function inputs %d,"
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
            Method.Rule rule = Method.of(m).rule();
            if (rule == Method.Rule.AP_SURROGATE && !binary) {
                continue;
            }
            if (rule == Method.Rule.LEARNED_OPTIMIZER && !haveLearned) {
                continue;
            }
            out.add(m);
        }
        return out;
    }

    /** The base learning rate of a method, which {@code eval.lr-grid} multiplies. */
    public static double baseLr(MetricOptConfig config, String method) {
        Method m = Method.of(method);
        if (m.rule() == Method.Rule.LEARNED_OPTIMIZER) {
            return config.learnedOptimizer().baseStep();
        }
        return "sgd".equals(m.baseOptimizer())
                ? config.inner().sgdLearningRate()
                : config.inner().adamLearningRate();
    }

    static List<Trajectory> runUnits(
            SparkSession spark,
            ExecutorContext ctx,
            MetricOptConfig config,
            Broadcast<MetaTestPayload> vf,
            List<EvalUnit> units,
            String group) {
        EngineSetup.configure(config.spark().djlThreads());
        return SparkSessions.runJob(
                spark,
                group,
                units.size() + " unrolls",
                units,
                SparkSessions.partitions(spark, config, units.size()),
                null,
                evalPartition(ctx, config, vf));
    }

    /** The executor side of a run's unrolls of {@link EvalUnit}s, reading {@code payload}. */
    static EvalPartition evalPartition(
            ExecutorContext ctx, MetricOptConfig config, Broadcast<MetaTestPayload> payload) {
        return new EvalPartition(
                ctx,
                config.valueFunction(),
                config.learnedOptimizer().hidden(),
                payload,
                ValueLearner.families(config),
                config.seed());
    }

    /** Per (family, method): the learning rate with the lowest mean final validation metric. */
    static Map<String, Double> chooseLearningRates(List<EvalUnit> units, List<Trajectory> results) {
        return choose(units, results, EvalUnit::learningRate);
    }

    /**
     * Per (family, method): the value of the tuned setting with the lowest mean final validation
     * metric; a failed unroll counts as a very bad metric, ties go to the first value tried.
     */
    static Map<String, Double> choose(
            List<EvalUnit> units,
            List<Trajectory> results,
            java.util.function.ToDoubleFunction<EvalUnit> setting) {
        Map<String, Map<Double, double[]>> sums = new LinkedHashMap<>();
        for (int i = 0; i < units.size(); i++) {
            EvalUnit u = units.get(i);
            Trajectory t = results.get(i);
            double v = t.ok() ? lastFinite(t.observedMetrics()) : Double.NaN;
            double[] acc =
                    sums.computeIfAbsent(
                                    u.spec().family() + "|" + u.method(),
                                    k -> new LinkedHashMap<>())
                            .computeIfAbsent(setting.applyAsDouble(u), k -> new double[2]);
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

    private static double lastFinite(double[] m) {
        for (int k = m.length - 1; k >= 0; k--) {
            if (Double.isFinite(m[k])) {
                return m[k];
            }
        }
        return Double.NaN;
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
        double sum = 0;
        int n = 0;
        for (double rho :
                MetaTestDiagnostics.priorSpearmans(config, state, units, results).values()) {
            if (Double.isFinite(rho)) {
                sum += rho;
                n++;
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
                        .add("lambda", DataTypes.DoubleType)
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
                            Double.isFinite(r.lambda()) ? r.lambda() : null,
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
