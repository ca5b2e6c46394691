package org.metricopt.driver.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.nets.Theta;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.meta.MetaTrainJob;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Meta-iterations of the quickstart configuration in local mode, value-function only ({@code
 * learned-optimizer.enabled=false}) and joint (learned optimizer on), in steady state: for each
 * kind one meta-training run of {@code warmups + repeats} iterations in a fresh temporary run
 * directory, of which the first {@code warmups} are not measured (the first Spark jobs and DJL uses
 * of a JVM are slower). An iteration's wall time is the time between its metrics row's timestamp
 * and the previous iteration's, so it includes everything the loop does between iterations (log
 * writes and checkpoints start in the background, phase A of the next value-function iteration is
 * submitted ahead). The other figures come from the metrics rows, from Spark's own task metrics (a
 * listener) and from the CPU time of the JVM's threads ({@link ThreadCpu}). Theta is random (seed
 * 7), saved once into a temporary {@code pretrain.path}, so nothing is pre-trained.
 */
final class MetaIterationBench {
    static final String CONF_FILE = "conf/quickstart.conf";

    /** The two meta-iterations measured, with the overrides that select them. */
    enum Mode {
        VALUE_FUNCTION("value-function", "learned-optimizer.enabled=false"),
        JOINT("joint", "learned-optimizer.enabled=true");

        final String id;
        final String override;

        Mode(String id, String override) {
            this.id = id;
            this.override = override;
        }
    }

    /** One measured iteration: its metrics row, its wall time and Spark's task run time. */
    record Sample(
            double iterationWallS,
            double unrollWallS,
            double executorComputeS,
            double driverS,
            double phaseBWallS,
            double phaseBExecutorComputeS,
            double sparkTaskRunS,
            double tasksBusyS,
            long bytesReturned,
            long esBytesReturned,
            int tasks,
            int coresUsed) {

        /**
         * Time the cores spent running meta-iteration tasks between this iteration's end and the
         * previous one's, as % of cores x that wall time: whichever iteration the tasks belong to,
         * so work submitted ahead counts where it ran.
         */
        double tasksBusyShare() {
            return 100.0 * tasksBusyS / coresUsed / iterationWallS;
        }

        /**
         * Executor compute of both phases spread over the cores, as % of the iteration's wall; with
         * phase A submitted ahead, part of an iteration's compute ran in the previous one's wall.
         */
        double executorShare() {
            return 100.0 * (executorComputeS + phaseBExecutorComputeS) / coresUsed / iterationWallS;
        }
    }

    /** The measured iterations of one kind and the CPU split over their span. */
    record Result(List<Sample> samples, ThreadCpu.Split cpu, int cores) {
        /** Task busy time over all measured iterations as % of cores x their whole span. */
        double tasksBusyShareOfSpan() {
            double wall = samples.stream().mapToDouble(Sample::iterationWallS).sum();
            double busy = samples.stream().mapToDouble(Sample::tasksBusyS).sum();
            return 100.0 * busy / samples.get(0).coresUsed() / wall;
        }
    }

    private final String confFile;
    private final List<String> extraOverrides;

    MetaIterationBench(String confFile, List<String> extraOverrides) {
        this.confFile = confFile;
        this.extraOverrides = List.copyOf(extraOverrides);
    }

    static MetricOptConfig config(
            String confFile, Mode mode, String pretrainPath, int iterations, List<String> extra) {
        List<String> o = new ArrayList<>();
        o.add("meta-train.iterations=" + iterations);
        o.add("pretrain.path=" + pretrainPath);
        o.add(mode.override);
        o.addAll(extra);
        return ConfigLoader.load(confFile, o);
    }

    /**
     * Spark's "executor run time" of the tasks of each meta-iteration's jobs (both phases), keyed
     * by iteration, from the job groups {@code metricopt-iter-NNNNNN-phase-x}.
     */
    static final class TaskTime extends SparkListener {
        private final Map<Integer, Long> stageIteration = new ConcurrentHashMap<>();
        private final Map<Long, Long> runMsByIteration = new ConcurrentHashMap<>();
        private final List<long[]> intervals =
                java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onJobStart(SparkListenerJobStart e) {
            String group =
                    e.properties() == null ? null : e.properties().getProperty("spark.jobGroup.id");
            Long it = iterationOf(group);
            if (it == null) {
                return;
            }
            for (Object stage : CollectionConverters.asJava(e.stageIds())) {
                stageIteration.put((Integer) stage, it);
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd e) {
            Long it = stageIteration.get(e.stageId());
            if (it != null && e.taskMetrics() != null) {
                runMsByIteration.merge(it, e.taskMetrics().executorRunTime(), Long::sum);
                intervals.add(new long[] {e.taskInfo().launchTime(), e.taskInfo().finishTime()});
            }
        }

        static Long iterationOf(String group) {
            if (group == null || !group.startsWith("metricopt-iter-")) {
                return null;
            }
            String digits = group.substring("metricopt-iter-".length()).split("-")[0];
            try {
                return Long.parseLong(digits);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /**
         * Seconds during which the meta-iterations' tasks ran inside {@code [fromMs, toMs]}, summed
         * over tasks (launch to finish, Spark's own timestamps), so up to cores x the span.
         */
        double busyS(long fromMs, long toMs) {
            return busyS(List.copyOf(intervals), fromMs, toMs);
        }

        static double busyS(List<long[]> intervals, long fromMs, long toMs) {
            long ms = 0;
            for (long[] t : intervals) {
                ms += Math.max(0, Math.min(t[1], toMs) - Math.max(t[0], fromMs));
            }
            return ms / 1000.0;
        }

        double runS(long iteration) {
            return runMsByIteration.getOrDefault(iteration, 0L) / 1000.0;
        }
    }

    /** Runs each kind for {@code warmups + repeats} iterations; returns the measured ones. */
    List<Result> run(int warmups, int repeats, java.util.function.Consumer<String> log) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("metricopt-bench-meta");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pretrain = tmp.resolve("pretrain").toUri().toString();
        int iterations = warmups + repeats;
        MetricOptConfig first =
                config(confFile, Mode.VALUE_FUNCTION, pretrain, iterations, extraOverrides);
        SparkSession spark = SparkSessions.create(first);
        try {
            org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
            Theta.initialise(first.network(), 7L)
                    .save(conf, Theta.directory(pretrain, first.network()));
            int parallelism = spark.sparkContext().defaultParallelism();
            List<Result> out = new ArrayList<>();
            int run = 0;
            // Untimed: a one-iteration run of each kind first, so that the first Spark jobs, the
            // first Parquet writes (Spark SQL's planning and code generation) and the first DJL
            // uses of this JVM happen outside the measured runs.
            for (Mode mode : Mode.values()) {
                MetaTrainJob.run(
                        spark,
                        config(confFile, mode, pretrain, 1, extraOverrides),
                        new RunDirectory(conf, tmp.resolve("run-" + run++).toUri().toString()),
                        false,
                        quiet());
                log.accept("warm-up " + mode.id + " run done");
            }
            for (Mode mode : Mode.values()) {
                TaskTime taskTime = new TaskTime();
                spark.sparkContext().addSparkListener(taskTime);
                MetricOptConfig config =
                        config(confFile, mode, pretrain, iterations, extraOverrides);
                RunDirectory runDir =
                        new RunDirectory(conf, tmp.resolve("run-" + run++).toUri().toString());
                List<Row> rows;
                ThreadCpu sampler = ThreadCpu.start(100);
                try {
                    MetaTrainJob.run(spark, config, runDir, false, quiet());
                } finally {
                    sampler.close();
                }
                rows =
                        spark.read()
                                .parquet(runDir.path("metrics"))
                                .orderBy("iteration")
                                .collectAsList();
                int ts = rows.get(0).fieldIndex("timestamp_ms");
                ThreadCpu.Split cpu =
                        sampler.between(
                                rows.get(warmups - 1).getLong(ts),
                                rows.get(iterations - 1).getLong(ts));
                try {
                    spark.sparkContext().listenerBus().waitUntilEmpty(10_000L);
                } catch (java.util.concurrent.TimeoutException e) {
                    throw new IllegalStateException(
                            "Spark's listener bus did not drain in 10 s", e);
                }
                spark.sparkContext().removeSparkListener(taskTime);
                List<Sample> samples = new ArrayList<>();
                for (int i = warmups; i < iterations; i++) {
                    Row row = rows.get(i);
                    Row prev = rows.get(i - 1);
                    int tasks = row.getInt(row.fieldIndex("tasks"));
                    int partitions = SparkSessions.partitions(spark, config, tasks);
                    Sample s =
                            new Sample(
                                    (row.getLong(row.fieldIndex("timestamp_ms"))
                                                    - prev.getLong(prev.fieldIndex("timestamp_ms")))
                                            / 1000.0,
                                    row.getDouble(row.fieldIndex("unroll_wall_s")),
                                    row.getDouble(row.fieldIndex("executor_compute_s")),
                                    row.getDouble(row.fieldIndex("driver_s")),
                                    row.getDouble(row.fieldIndex("phase_b_wall_s")),
                                    row.getDouble(row.fieldIndex("es_executor_compute_s")),
                                    taskTime.runS(i),
                                    taskTime.busyS(
                                            prev.getLong(prev.fieldIndex("timestamp_ms")),
                                            row.getLong(row.fieldIndex("timestamp_ms"))),
                                    row.getLong(row.fieldIndex("bytes_returned")),
                                    row.getLong(row.fieldIndex("es_bytes_returned")),
                                    tasks,
                                    Math.max(
                                            1, Math.min(parallelism, Math.min(partitions, tasks))));
                    samples.add(s);
                    log.accept(mode.id + " iteration " + i + ": " + s);
                }
                out.add(new Result(samples, cpu, parallelism));
            }
            return out;
        } finally {
            spark.stop();
            deleteQuietly(tmp);
        }
    }

    static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    static void deleteQuietly(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    static List<Figure> figures(Mode mode, Result result) {
        List<Sample> samples = result.samples();
        String w = mode.id;
        List<Figure> f = new ArrayList<>();
        f.add(figure(w, "iteration_wall_s", "s", samples, Sample::iterationWallS));
        f.add(figure(w, "unroll_wall_s", "s", samples, Sample::unrollWallS));
        f.add(figure(w, "executor_compute_s", "s", samples, Sample::executorComputeS));
        f.add(
                figure(
                        w,
                        "executor_compute_per_core_s",
                        "s",
                        samples,
                        s -> s.executorComputeS() / s.coresUsed()));
        f.add(figure(w, "driver_s", "s", samples, Sample::driverS));
        f.add(figure(w, "phase_b_wall_s", "s", samples, Sample::phaseBWallS));
        f.add(
                figure(
                        w,
                        "phase_b_executor_compute_s",
                        "s",
                        samples,
                        Sample::phaseBExecutorComputeS));
        f.add(figure(w, "spark_task_run_s", "s", samples, Sample::sparkTaskRunS));
        f.add(figure(w, "executor_share_of_iteration", "%", samples, Sample::executorShare));
        f.add(figure(w, "tasks_busy_share_of_iteration", "%", samples, Sample::tasksBusyShare));
        f.add(
                Figure.single(
                        "meta-iteration",
                        w,
                        "tasks_busy_share_of_span",
                        "%",
                        result.tasksBusyShareOfSpan()));
        f.add(figure(w, "bytes_returned", "B", samples, s -> s.bytesReturned()));
        f.add(figure(w, "es_bytes_returned", "B", samples, s -> s.esBytesReturned()));
        f.add(figure(w, "cores_used", "count", samples, s -> s.coresUsed()));
        ThreadCpu.Split cpu = result.cpu();
        if (cpu != null) {
            for (String kind : ThreadCpu.KINDS) {
                f.add(
                        Figure.single(
                                "meta-iteration",
                                w,
                                "cpu_" + kind + "_pct",
                                "%",
                                cpu.percentOf(kind, result.cores())));
            }
            f.add(
                    Figure.single(
                            "meta-iteration",
                            w,
                            "cpu_idle_pct",
                            "%",
                            cpu.idlePercent(result.cores())));
        }
        return f;
    }

    private static Figure figure(
            String workload,
            String name,
            String unit,
            List<Sample> samples,
            java.util.function.ToDoubleFunction<Sample> value) {
        return new Figure(
                "meta-iteration",
                workload,
                name,
                unit,
                samples.stream().mapToDouble(value).toArray());
    }
}
