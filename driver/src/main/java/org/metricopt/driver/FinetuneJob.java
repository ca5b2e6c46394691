package org.metricopt.driver;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.executor.ExecutorContext;
import org.metricopt.executor.FinetunePartition;

/**
 * The {@code finetune} command: samples N tasks from p(T), runs their unrolls on the executors with
 * the CE baseline optimizer, and reports per family the test-split metric before (phi_0, the
 * un-adapted network) and after finetuning.
 */
public final class FinetuneJob {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(FinetuneJob.class);

    private FinetuneJob() {}

    /** Runs the tasks on the cluster and returns their trajectories in task order. */
    public static List<Trajectory> runTasks(
            SparkSession spark,
            ExecutorContext ctx,
            List<TaskSpec> specs,
            int partitions,
            String group) {
        List<Trajectory> out =
                new ArrayList<>(
                        SparkSessions.runJob(
                                spark,
                                group,
                                specs.size() + " finetuning tasks",
                                specs,
                                partitions,
                                null,
                                new FinetunePartition(ctx)));
        out.sort(Comparator.comparingInt(Trajectory::index));
        return out;
    }

    public static List<Trajectory> run(
            SparkSession spark, MetricOptConfig config, RunDirectory runDir, PrintStream out) {
        String thetaDir = ThetaStore.ensure(runDir.hadoopConf(), config, out);
        ExecutorContext ctx = SparkSessions.executorContext(spark, config, thetaDir);
        List<TaskSpec> specs =
                new TaskSampler(config)
                        .sampleBatch(TaskSampler.FINETUNE, 0, config.finetuneTasks());
        int partitions = SparkSessions.partitions(spark, config, specs.size());
        LOG.info(
                "finetuning {} tasks (T = {}, K = {}) on {} partitions, master {}",
                specs.size(),
                config.inner().steps(),
                config.inner().observations(),
                partitions,
                spark.sparkContext().master());
        long start = System.nanoTime();
        List<Trajectory> results = runTasks(spark, ctx, specs, partitions, "finetune");
        double seconds = (System.nanoTime() - start) / 1e9;
        writeResults(spark, runDir, specs, results);
        out.print(summaryTable(specs, results));
        out.printf(
                Locale.ROOT,
                "%d tasks in %.1f s; results in %s%n",
                results.size(),
                seconds,
                runDir.path("finetune"));
        FamilyFailures.requireEveryFamily("finetune", results, runDir.path("finetune"));
        return results;
    }

    private static void writeResults(
            SparkSession spark,
            RunDirectory runDir,
            List<TaskSpec> specs,
            List<Trajectory> results) {
        StructType schema =
                new StructType()
                        .add("task_id", DataTypes.StringType)
                        .add("family", DataTypes.StringType)
                        .add("metric", DataTypes.StringType)
                        .add("method", DataTypes.StringType)
                        .add("status", DataTypes.StringType)
                        .add("failure", DataTypes.StringType)
                        .add("test_metric_step0", DataTypes.DoubleType)
                        .add("test_metric_final", DataTypes.DoubleType)
                        .add("val_metric_final", DataTypes.DoubleType)
                        .add("compute_s", DataTypes.DoubleType);
        List<Row> rows = new ArrayList<>();
        for (Trajectory t : results) {
            TaskSpec s = specs.get(t.index());
            double valFinal =
                    t.observedMetrics().length == 0
                            ? Double.NaN
                            : t.observedMetrics()[t.observedMetrics().length - 1];
            rows.add(
                    RowFactory.create(
                            t.taskId(),
                            t.family(),
                            s.metric(),
                            t.method(),
                            t.status().id(),
                            t.failure(),
                            t.testMetricInitial(),
                            t.testMetricFinal(),
                            valFinal,
                            t.computeNanos() / 1e9));
        }
        spark.createDataFrame(rows, schema)
                .coalesce(1)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(runDir.path("finetune/tasks.parquet"));
    }

    /** Per family: metric at step 0 and at step T on the test split, mean ± 95% CI. */
    public static String summaryTable(List<TaskSpec> specs, List<Trajectory> results) {
        Map<String, List<Trajectory>> byFamily = new TreeMap<>();
        Map<String, String> metricOf = new LinkedHashMap<>();
        for (Trajectory t : results) {
            byFamily.computeIfAbsent(t.family(), k -> new ArrayList<>()).add(t);
            metricOf.put(t.family(), specs.get(t.index()).metric());
        }
        StringBuilder sb = new StringBuilder();
        String fmt = "%-18s %-18s %5s %6s  %-18s %-18s %-18s%n";
        sb.append(
                String.format(
                        Locale.ROOT,
                        fmt,
                        "family",
                        "metric (lower=better)",
                        "tasks",
                        "failed",
                        "test @ step 0",
                        "test @ step T",
                        "change (paired)"));
        for (Map.Entry<String, List<Trajectory>> e : byFamily.entrySet()) {
            List<Trajectory> ts = e.getValue();
            List<Double> before = new ArrayList<>();
            List<Double> after = new ArrayList<>();
            int failed = 0;
            for (Trajectory t : ts) {
                if (t.ok()) {
                    before.add(t.testMetricInitial());
                    after.add(t.testMetricFinal());
                } else {
                    failed++;
                }
            }
            double[] b = before.stream().mapToDouble(Double::doubleValue).toArray();
            double[] a = after.stream().mapToDouble(Double::doubleValue).toArray();
            double[] diff = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                diff[i] = a[i] - b[i];
            }
            sb.append(
                    String.format(
                            Locale.ROOT,
                            fmt,
                            e.getKey(),
                            metricOf.get(e.getKey()),
                            ts.size(),
                            failed,
                            Stats.meanCi95(b).format(),
                            Stats.meanCi95(a).format(),
                            Stats.meanCi95(diff).format()));
        }
        return sb.toString();
    }
}
