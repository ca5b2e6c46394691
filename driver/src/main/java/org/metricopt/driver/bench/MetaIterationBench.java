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
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.nets.Theta;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.SparkSessions;
import org.metricopt.driver.meta.MetaTrainJob;

/**
 * One meta-iteration of the quickstart configuration in local mode, value-function only ({@code
 * learned-optimizer.enabled=false}) and joint (learned optimizer on). Each repeat runs {@link
 * MetaTrainJob#run} with {@code meta-train.iterations=1} into a fresh temporary run directory and
 * reads back the metrics row that iteration wrote. Theta is random (seed 7), saved once into a
 * temporary {@code pretrain.path}, so nothing is pre-trained.
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

    /** One repeat's metrics row plus the wall time of the whole {@code run} call. */
    record Sample(
            double totalWallS,
            double unrollWallS,
            double executorComputeS,
            double driverS,
            double phaseBWallS,
            double phaseBExecutorComputeS,
            long bytesReturned,
            long esBytesReturned,
            int tasks,
            int coresUsed) {

        /** Phase-A wall time not explained by executor compute spread over the cores used. */
        double schedulingS() {
            return unrollWallS - executorComputeS / coresUsed;
        }
    }

    private final String confFile;
    private final List<String> extraOverrides;

    MetaIterationBench(String confFile, List<String> extraOverrides) {
        this.confFile = confFile;
        this.extraOverrides = List.copyOf(extraOverrides);
    }

    static MetricOptConfig config(
            String confFile, Mode mode, String pretrainPath, List<String> extra) {
        List<String> o = new ArrayList<>();
        o.add("meta-train.iterations=1");
        o.add("pretrain.path=" + pretrainPath);
        o.add(mode.override);
        o.addAll(extra);
        return ConfigLoader.load(confFile, o);
    }

    /** Runs {@code repeats} meta-iterations of each mode; returns the samples per mode. */
    List<List<Sample>> run(int warmups, int repeats, java.util.function.Consumer<String> log) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("metricopt-bench-meta");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pretrain = tmp.resolve("pretrain").toUri().toString();
        MetricOptConfig first = config(confFile, Mode.VALUE_FUNCTION, pretrain, extraOverrides);
        SparkSession spark = SparkSessions.create(first);
        try {
            org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
            Theta.initialise(first.network(), 7L)
                    .save(conf, Theta.directory(pretrain, first.network()));
            int parallelism = spark.sparkContext().defaultParallelism();
            List<List<Sample>> out = new ArrayList<>();
            int run = 0;
            for (int r = 0; r < warmups; r++) {
                // Untimed: the first Spark jobs and DJL uses of each kind in this JVM are slower.
                for (Mode mode : Mode.values()) {
                    String dir = tmp.resolve("run-" + run++).toUri().toString();
                    MetaTrainJob.run(
                            spark,
                            config(confFile, mode, pretrain, extraOverrides),
                            new RunDirectory(conf, dir),
                            false,
                            quiet());
                    log.accept("warm-up " + mode.id + " meta-iteration " + (r + 1) + " done");
                }
            }
            for (Mode mode : Mode.values()) {
                MetricOptConfig config = config(confFile, mode, pretrain, extraOverrides);
                List<Sample> samples = new ArrayList<>();
                for (int r = 0; r < repeats; r++) {
                    String dir = tmp.resolve("run-" + run++).toUri().toString();
                    RunDirectory runDir = new RunDirectory(conf, dir);
                    long t0 = System.nanoTime();
                    MetaTrainJob.run(spark, config, runDir, false, quiet());
                    double total = (System.nanoTime() - t0) / 1e9;
                    Row row = spark.read().parquet(runDir.path("metrics")).first();
                    int tasks = row.getInt(row.fieldIndex("tasks"));
                    int partitions = SparkSessions.partitions(spark, config, tasks);
                    Sample s =
                            new Sample(
                                    total,
                                    row.getDouble(row.fieldIndex("unroll_wall_s")),
                                    row.getDouble(row.fieldIndex("executor_compute_s")),
                                    row.getDouble(row.fieldIndex("driver_s")),
                                    row.getDouble(row.fieldIndex("phase_b_wall_s")),
                                    row.getDouble(row.fieldIndex("es_executor_compute_s")),
                                    row.getLong(row.fieldIndex("bytes_returned")),
                                    row.getLong(row.fieldIndex("es_bytes_returned")),
                                    tasks,
                                    Math.max(
                                            1, Math.min(parallelism, Math.min(partitions, tasks))));
                    samples.add(s);
                    log.accept(mode.id + " repeat " + (r + 1) + ": " + s);
                }
                out.add(samples);
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

    static List<Figure> figures(Mode mode, List<Sample> samples) {
        int n = samples.size();
        double[] total = new double[n];
        double[] unroll = new double[n];
        double[] exec = new double[n];
        double[] execPerCore = new double[n];
        double[] sched = new double[n];
        double[] driver = new double[n];
        double[] phaseB = new double[n];
        double[] execShare = new double[n];
        double[] phaseBExec = new double[n];
        double[] allExecShare = new double[n];
        double[] unrollExecShare = new double[n];
        double[] outside = new double[n];
        double[] bytes = new double[n];
        double[] esBytes = new double[n];
        double[] cores = new double[n];
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            total[i] = s.totalWallS();
            unroll[i] = s.unrollWallS();
            exec[i] = s.executorComputeS();
            execPerCore[i] = s.executorComputeS() / s.coresUsed();
            sched[i] = s.schedulingS();
            driver[i] = s.driverS();
            phaseB[i] = s.phaseBWallS();
            double iterWall = s.unrollWallS() + s.driverS() + s.phaseBWallS();
            execShare[i] = 100.0 * execPerCore[i] / iterWall;
            unrollExecShare[i] = 100.0 * execPerCore[i] / s.unrollWallS();
            phaseBExec[i] = s.phaseBExecutorComputeS();
            allExecShare[i] =
                    100.0
                            * (s.executorComputeS() + s.phaseBExecutorComputeS())
                            / s.coresUsed()
                            / iterWall;
            outside[i] = s.totalWallS() - iterWall;
            bytes[i] = s.bytesReturned();
            esBytes[i] = s.esBytesReturned();
            cores[i] = s.coresUsed();
        }
        String w = mode.id;
        List<Figure> f = new ArrayList<>();
        f.add(new Figure("meta-iteration", w, "run_wall_s", "s", total));
        f.add(new Figure("meta-iteration", w, "unroll_wall_s", "s", unroll));
        f.add(new Figure("meta-iteration", w, "executor_compute_s", "s", exec));
        f.add(new Figure("meta-iteration", w, "executor_compute_per_core_s", "s", execPerCore));
        f.add(new Figure("meta-iteration", w, "scheduling_serialisation_s", "s", sched));
        f.add(new Figure("meta-iteration", w, "driver_s", "s", driver));
        f.add(new Figure("meta-iteration", w, "phase_b_wall_s", "s", phaseB));
        f.add(new Figure("meta-iteration", w, "phase_b_executor_compute_s", "s", phaseBExec));
        f.add(new Figure("meta-iteration", w, "outside_iteration_s", "s", outside));
        f.add(
                new Figure(
                        "meta-iteration",
                        w,
                        "phase_a_executor_share_of_unroll",
                        "%",
                        unrollExecShare));
        f.add(
                new Figure(
                        "meta-iteration",
                        w,
                        "phase_a_executor_share_of_iteration",
                        "%",
                        execShare));
        f.add(new Figure("meta-iteration", w, "executor_share_of_iteration", "%", allExecShare));
        f.add(new Figure("meta-iteration", w, "bytes_returned", "B", bytes));
        f.add(new Figure("meta-iteration", w, "es_bytes_returned", "B", esBytes));
        f.add(new Figure("meta-iteration", w, "cores_used", "count", cores));
        return f;
    }
}
