package org.metricopt.driver.meta;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.ValueLearner;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.SparkSessions;

/**
 * Meta-training's logs (docs/DESIGN.md section 6): one Parquet row per meta-iteration in {@code
 * metrics/} and one per task step in {@code trajectories/}, partitioned by iteration.
 */
final class MetaTrainLogs {
    private MetaTrainLogs() {}

    /**
     * What one meta-iteration produced: the next state and its rows for metrics/ and trajectories/.
     */
    record Iteration(MetaState state, long index, Row metrics, List<Row> trajectories) {}

    /** Wall-clock seconds of an iteration's parts. */
    record Timings(double unrollWallS, double driverS, double phaseBWallS) {}

    /**
     * The iteration's row for metrics/ and its rows for trajectories/.
     *
     * @param trajs every trajectory of the iteration, failed ones included
     * @param ok the successful ones among them
     */
    static Iteration iteration(
            long it,
            List<Trajectory> trajs,
            List<Trajectory> ok,
            MetaLearner.Step step,
            Timings time) {
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
        ValueLearner.Outcome vf = step.value();
        MetaLearner.EsStats es = step.es();
        Row metrics =
                RowFactory.create(
                        it,
                        trajs.size(),
                        trajs.size() - ok.size(),
                        vf.mean(o -> o.adaptation().lossBefore()),
                        vf.mean(o -> o.adaptation().lossAfter()),
                        vf.mean(o -> o.adaptation().spearmanPrior()),
                        vf.mean(o -> o.adaptation().spearmanStep()),
                        mean(ok, true),
                        mean(ok, false),
                        time.unrollWallS(),
                        executorNanos / 1e9,
                        time.driverS(),
                        bytes,
                        es.pairs(),
                        es.diverged(),
                        es.capped(),
                        es.meanLoss(),
                        es.gradNorm(),
                        es.meanVariance(),
                        es.reparamVariance(),
                        es.esReparamCosine(),
                        time.phaseBWallS(),
                        es.bytes(),
                        es.executorNanos() / 1e9,
                        step.broadcastBytes(),
                        System.currentTimeMillis());
        List<Row> trajRows = new ArrayList<>();
        for (ValueLearner.TaskOutcome o : vf.tasks()) {
            addTrajectoryRows(
                    trajRows, it, o.trajectory(), o.adaptation().interp(), o.adaptation().prior());
        }
        return new Iteration(step.state(), it, metrics, trajRows);
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
                    .add("es_capped_unrolls", DataTypes.IntegerType)
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
    static void write(SparkSession spark, RunDirectory runDir, List<Iteration> batch) {
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

    /** Trajectory rows per write task (see {@link #write}). */
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
