package org.metricopt.driver.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.eval.EvalRecord;
import org.metricopt.driver.eval.EvalReport;
import org.metricopt.driver.meta.MetaTestJob;

/**
 * A run directory opened in a Spark session for exploration: its per-iteration metrics,
 * trajectories and meta-test results as DataFrames, the plots and table of its report, and one
 * held-out task rerun live with the run's meta-learned value function. Everything is read from the
 * run directory contract of the README (run.json, metrics/, trajectories/, eval/); nothing here
 * writes to the run.
 */
public final class RunView {
    /** The method {@link #runHeldOutTask(String, int)} uses: SGD guided by the value function. */
    public static final String DEFAULT_METHOD = "metricopt-sgd";

    static final String METRICS = "metrics";
    static final String TRAJECTORIES = "trajectories";
    static final String EVAL_RESULTS = "eval/results.parquet";
    static final String EVAL_SUMMARY = "eval/summary.json";

    private final SparkSession spark;
    private final RunDirectory runDir;
    private final MetricOptConfig config;

    RunView(SparkSession spark, String uri) {
        this.spark = spark;
        this.runDir = new RunDirectory(spark.sparkContext().hadoopConfiguration(), uri);
        if (!HadoopFiles.exists(runDir.hadoopConf(), runDir.path(RunDirectory.RUN_JSON))) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    runDir.uri()
                            + " is not a MetricOpt run directory: it has no "
                            + RunDirectory.RUN_JSON);
        }
        this.config = runDir.readConfig();
    }

    /** The run directory's fully qualified URI. */
    public String uri() {
        return runDir.uri();
    }

    /** The resolved configuration the run was made with (its run.json). */
    public MetricOptConfig config() {
        return config;
    }

    public SparkSession spark() {
        return spark;
    }

    /** One row per meta-iteration ({@code metrics/}, partitioned by iteration). */
    public Dataset<Row> metrics() {
        return parquet(METRICS, "meta-train");
    }

    /** One row per meta-training task and step ({@code trajectories/}). */
    public Dataset<Row> trajectories() {
        return parquet(TRAJECTORIES, "meta-train");
    }

    /** One row per held-out task and method ({@code eval/results.parquet}). */
    public Dataset<Row> evalResults() {
        return parquet(EVAL_RESULTS, "meta-test");
    }

    /**
     * Registers the run's tables as Spark SQL temporary views {@code metrics}, {@code trajectories}
     * and {@code eval_results} (those the run has), so cells can query them with {@code
     * spark.sql(...)}.
     *
     * @return the names of the registered views
     */
    public List<String> registerViews() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, String> view :
                Map.of(
                                "metrics", METRICS,
                                "trajectories", TRAJECTORIES,
                                "eval_results", EVAL_RESULTS)
                        .entrySet()) {
            if (has(view.getValue())) {
                spark.read()
                        .parquet(runDir.path(view.getValue()))
                        .createOrReplaceTempView(view.getKey());
                names.add(view.getKey());
            }
        }
        names.sort(null);
        return names;
    }

    /**
     * The meta-training learning curves: per meta-iteration, the mean validation metric of that
     * iteration's tasks before finetuning (step 0) and after T steps.
     */
    public Chart learningCurves() {
        return Chart.lines(
                "meta-training: mean validation metric of each iteration's tasks",
                "validation metric (lower is better)",
                metrics(),
                "iteration",
                "val_metric_step0",
                "val_metric_final");
    }

    /**
     * Whether the value function learns the shape of the metric during meta-training: per
     * meta-iteration, the Spearman correlation between the meta-learned value function (before it
     * adapts) and the observed metric along that iteration's fresh tasks, beside the same
     * correlation for the trivial predictor "later is better" (the step index), each as a running
     * mean over {@code window} iterations.
     */
    public Chart valueFunctionCurves(int window) {
        org.apache.spark.sql.expressions.WindowSpec w =
                org.apache.spark.sql.expressions.Window.orderBy("iteration")
                        .rowsBetween(-(window - 1), 0);
        Dataset<Row> smoothed =
                metrics()
                        .withColumn("iteration", functions.col("iteration").cast("long"))
                        .withColumn(
                                "value function (prior)",
                                functions.avg("vf_spearman_prior").over(w))
                        .withColumn("step index", functions.avg("vf_spearman_step_index").over(w));
        return Chart.lines(
                "meta-training: Spearman with the observed metric on each iteration's tasks ("
                        + window
                        + "-iteration mean)",
                "Spearman correlation",
                smoothed,
                "iteration",
                "value function (prior)",
                "step index");
    }

    /**
     * The value function's meta-test diagnostics per family, from {@code eval/summary.json}: the
     * prior's and the step index's Spearman on held-out CE trajectories, the forward Spearman of
     * MetricOpt's online-adapted value function, the cosine of its gradient with the oracle
     * validation-loss gradient and its raw norm.
     */
    public Dataset<Row> diagnostics() {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, EvalReport.Diagnostics> e : recordedDiagnostics().entrySet()) {
            EvalReport.Diagnostics d = e.getValue();
            rows.add(org.apache.spark.sql.RowFactory.create(d.row(e.getKey())));
        }
        org.apache.spark.sql.types.StructType schema =
                new org.apache.spark.sql.types.StructType()
                        .add("family", "string")
                        .add("prior_spearman", "double")
                        .add("step_index_spearman", "double")
                        .add("forward_spearman", "double")
                        .add("forward_step_index_spearman", "double")
                        .add("forward_test_metric_spearman", "double")
                        .add("gradient_cosine_validation", "double")
                        .add("gradient_norm_raw", "double");
        return spark.createDataFrame(rows, schema);
    }

    /**
     * The finetuning curves of meta-test for one family: the mean validation metric against the
     * step, one line per method; the same plot as {@code eval/curve-<family>.png}.
     */
    public Chart finetuningCurves(String family) {
        List<EvalRecord> records = evalRecords();
        byte[] png = EvalReport.renderPlots(records).get(EvalReport.curveName(family));
        if (png == null) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "meta-test of "
                            + runDir.uri()
                            + " has no family '"
                            + family
                            + "'; its families are "
                            + records.stream()
                                    .map(EvalRecord::family)
                                    .distinct()
                                    .sorted()
                                    .toList());
        }
        return new Chart(family + ": mean validation metric during finetuning", png);
    }

    /** The meta-test table: mean final test metric ± 95% CI per family and method. */
    public MetaTestTable metaTestTable() {
        return new MetaTestTable(
                EvalReport.summarise(
                        evalRecords(),
                        recordedSpearman(),
                        recordedDiagnostics(),
                        recordedCommand()));
    }

    /** {@link #runHeldOutTask(String, int, String)} with {@value #DEFAULT_METHOD}. */
    public HeldOutRun runHeldOutTask(String family, int index) {
        return runHeldOutTask(family, index, DEFAULT_METHOD);
    }

    /**
     * Finetunes held-out task {@code index} of {@code family} with {@code method} on the Spark
     * executors now, starting from the value function (and learned optimizer) of the run's latest
     * checkpoint: the unroll meta-test ran for that task and method. The learning rate is the one
     * meta-test chose for the family and method (the base rate when the run has no meta-test yet).
     * Progress lines go to {@code System.out}, the cell's output in a notebook.
     */
    public HeldOutRun runHeldOutTask(String family, int index, String method) {
        String taskId = MetaTestJob.heldOutTask(config, family, index).id();
        double lr = MetaTestJob.baseLr(config, method);
        double lambda = config.valueFunction().lambda();
        double recorded = Double.NaN;
        if (has(EVAL_RESULTS)) {
            Dataset<Row> results = evalResults();
            boolean hasLambda = java.util.Arrays.asList(results.columns()).contains("lambda");
            for (Row r :
                    results.where(
                                    functions
                                            .col("family")
                                            .equalTo(family)
                                            .and(functions.col("method").equalTo(method)))
                            .collectAsList()) {
                lr = doubleOrNaN(r, "learning_rate");
                if (hasLambda && !r.isNullAt(r.fieldIndex("lambda"))) {
                    lambda = r.getDouble(r.fieldIndex("lambda"));
                }
                int testMetric = r.fieldIndex("test_metric");
                if (taskId.equals(r.getAs("task_id")) && !r.isNullAt(testMetric)) {
                    recorded = r.getDouble(testMetric);
                }
            }
        }
        PrintStream out = System.out;
        Trajectory t =
                MetaTestJob.runHeldOutTask(
                        spark, config, runDir, family, index, method, lr, lambda, out);
        return new HeldOutRun(
                family,
                taskId,
                method,
                config.tasks().families().get(family).metric(),
                lr,
                t.status().id(),
                t.failure(),
                t.observedSteps(),
                t.observedMetrics(),
                t.testMetricInitial(),
                t.testMetricFinal(),
                recorded,
                t.computeNanos() / 1e9);
    }

    @Override
    public String toString() {
        return "MetricOpt run " + runDir.uri();
    }

    private List<EvalRecord> evalRecords() {
        List<EvalRecord> records = new ArrayList<>();
        for (Row r : evalResults().collectAsList()) {
            List<Integer> steps = r.getList(r.fieldIndex("observed_steps"));
            List<Double> values = r.getList(r.fieldIndex("observed_val_metrics"));
            records.add(
                    new EvalRecord(
                            r.getAs("family"),
                            r.getAs("metric"),
                            r.getAs("task_id"),
                            r.getAs("method"),
                            r.getAs("status"),
                            r.getAs("failure"),
                            doubleOrNaN(r, "learning_rate"),
                            java.util.Arrays.asList(r.schema().fieldNames()).contains("lambda")
                                    ? doubleOrNaN(r, "lambda")
                                    : Double.NaN,
                            doubleOrNaN(r, "test_metric_step0"),
                            doubleOrNaN(r, "test_metric"),
                            steps.stream().mapToInt(Integer::intValue).toArray(),
                            values.stream()
                                    .mapToDouble(v -> v == null ? Double.NaN : v)
                                    .toArray()));
        }
        return records;
    }

    private static double doubleOrNaN(Row r, String column) {
        int i = r.fieldIndex(column);
        return r.isNullAt(i) ? Double.NaN : r.getDouble(i);
    }

    private JsonNode recordedSummary() {
        if (!has(EVAL_SUMMARY)) {
            return null;
        }
        try {
            return new ObjectMapper()
                    .readTree(HadoopFiles.read(runDir.hadoopConf(), runDir.path(EVAL_SUMMARY)));
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot read " + runDir.path(EVAL_SUMMARY), e);
        }
    }

    private double recordedSpearman() {
        JsonNode summary = recordedSummary();
        JsonNode rho = summary == null ? null : summary.at("/value_function/spearman");
        return rho == null || !rho.isNumber() ? Double.NaN : rho.asDouble();
    }

    private Map<String, EvalReport.Diagnostics> recordedDiagnostics() {
        JsonNode summary = recordedSummary();
        JsonNode families = summary == null ? null : summary.at("/value_function/families");
        Map<String, EvalReport.Diagnostics> out = new java.util.TreeMap<>();
        if (families == null || !families.isObject()) {
            return out;
        }
        families.fields()
                .forEachRemaining(
                        e ->
                                out.put(
                                        e.getKey(),
                                        new EvalReport.Diagnostics(
                                                number(e.getValue(), "prior_spearman"),
                                                number(e.getValue(), "step_index_spearman"),
                                                number(e.getValue(), "forward_spearman"),
                                                number(e.getValue(), "forward_step_index_spearman"),
                                                number(
                                                        e.getValue(),
                                                        "forward_test_metric_spearman"),
                                                number(e.getValue(), "gradient_cosine_validation"),
                                                number(e.getValue(), "gradient_norm_raw"))));
        return out;
    }

    private static double number(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || !v.isNumber() ? Double.NaN : v.asDouble();
    }

    private String recordedCommand() {
        JsonNode summary = recordedSummary();
        JsonNode command = summary == null ? null : summary.get("command");
        return command == null || command.isNull() ? null : command.asText();
    }

    private boolean has(String relative) {
        return HadoopFiles.exists(runDir.hadoopConf(), runDir.path(relative));
    }

    private Dataset<Row> parquet(String relative, String producer) {
        if (!has(relative)) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "run directory "
                            + runDir.uri()
                            + " has no "
                            + relative
                            + "; run "
                            + producer
                            + " on it first");
        }
        return spark.read().parquet(runDir.path(relative));
    }
}
