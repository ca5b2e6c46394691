package org.metricopt.driver.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.driver.FinetuneJob;
import org.metricopt.driver.SparkSessions;
import org.metricopt.executor.ExecutorContext;

/**
 * Finetuning throughput (tasks per second) of the quickstart configuration with {@code local[1]}
 * against {@code local[2]}, or with one against two one-core executors on a standalone cluster: two
 * Spark sessions one after the other in this JVM, each with a warm-up batch before the timed
 * batches. Theta is random (seed 7), saved into a temporary directory.
 */
final class ScalingBench {
    static final String CONF_FILE = "conf/quickstart.conf";

    private final String confFile;
    private final int tasks;
    private final int warmupTasks;
    private final List<String> extraOverrides;

    ScalingBench(String confFile, int tasks, int warmupTasks, List<String> extraOverrides) {
        this.confFile = confFile;
        this.tasks = tasks;
        this.warmupTasks = warmupTasks;
        this.extraOverrides = List.copyOf(extraOverrides);
    }

    static MetricOptConfig config(
            String confFile, String master, String pretrainPath, List<String> extra) {
        List<String> o = new ArrayList<>();
        o.add("inner.steps=100");
        o.add("spark.master=\"" + master + "\"");
        o.add("pretrain.path=" + pretrainPath);
        o.addAll(extra);
        return ConfigLoader.load(confFile, o);
    }

    /**
     * Per timed batch: tasks per second, and the CPU time this JVM used per wall second (the cores
     * it actually obtained; on a shared machine local[2] may get fewer than 2).
     */
    record Result(double[] tasksPerSecond, double[] coresObtained) {}

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os =
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun
                ? sun.getProcessCpuTime()
                : -1L;
    }

    /** Tasks per second of each timed batch with {@code local[cores]}. */
    Result run(int cores, int repeats, java.util.function.Consumer<String> log) {
        return run("local[" + cores + "]", java.util.Map.of(), repeats, log);
    }

    /**
     * Tasks per second of each timed batch on a standalone cluster at {@code master}, with {@code
     * executors} executors of one core each ({@code spark.cores.max}); the application jar is
     * shipped to them. The cores obtained are those of this (driver) JVM only, so they are NaN.
     */
    Result runStandalone(
            String master,
            int executors,
            String appJar,
            int repeats,
            java.util.function.Consumer<String> log) {
        return run(
                master,
                java.util.Map.of(
                        "spark.cores.max",
                        Integer.toString(executors),
                        "spark.executor.cores",
                        "1",
                        "spark.executor.memory",
                        "2g",
                        "spark.jars",
                        appJar,
                        // Start the first job only once every executor has registered.
                        "spark.scheduler.minRegisteredResourcesRatio",
                        "1.0"),
                repeats,
                log);
    }

    private Result run(
            String wantedMaster,
            java.util.Map<String, String> sparkConf,
            int repeats,
            java.util.function.Consumer<String> log) {
        boolean local = wantedMaster.startsWith("local");
        Path tmp;
        try {
            tmp = Files.createTempDirectory("metricopt-bench-scaling");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pretrain = tmp.resolve("pretrain").toUri().toString();
        MetricOptConfig config = config(confFile, wantedMaster, pretrain, extraOverrides);
        // SparkConf(true) reads system properties: the session-specific settings go there for the
        // time of this session only.
        sparkConf.forEach(System::setProperty);
        SparkSession spark;
        try {
            spark = SparkSessions.create(config);
        } finally {
            sparkConf.keySet().forEach(System::clearProperty);
        }
        String label =
                local
                        ? wantedMaster
                        : "standalone, " + sparkConf.get("spark.cores.max") + " executor(s)";
        try {
            String master = spark.sparkContext().master();
            if (!master.equals(wantedMaster)) {
                throw new IllegalStateException(
                        "wanted master " + wantedMaster + " but the session has " + master);
            }
            org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
            String thetaDir = Theta.directory(pretrain, config.network());
            Theta.initialise(config.network(), 7L).save(conf, thetaDir);
            EngineSetup.configure(config.spark().djlThreads());
            ExecutorContext ctx = SparkSessions.executorContext(spark, config, thetaDir);
            TaskSampler sampler = new TaskSampler(config);
            // Per task slot: a session with two executor JVMs warms each of them (JIT, DJL) as
            // much as a one-executor session warms its one; otherwise the second session is
            // measured while its JVMs still compile and looks worse than it is.
            int slots =
                    local
                            ? spark.sparkContext().defaultParallelism()
                            : Integer.parseInt(sparkConf.get("spark.cores.max"));
            List<TaskSpec> warm = sampler.sampleBatch(TaskSampler.FINETUNE, 0, warmupTasks * slots);
            FinetuneJob.runTasks(
                    spark,
                    ctx,
                    warm,
                    SparkSessions.partitions(spark, config, warm.size()),
                    "bench-warmup");
            double[] rates = new double[repeats];
            double[] obtained = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                List<TaskSpec> specs = sampler.sampleBatch(TaskSampler.FINETUNE, r + 1L, tasks);
                int partitions = SparkSessions.partitions(spark, config, specs.size());
                long cpu0 = processCpuNanos();
                long t0 = System.nanoTime();
                List<Trajectory> done =
                        FinetuneJob.runTasks(spark, ctx, specs, partitions, "bench-scaling");
                double s = (System.nanoTime() - t0) / 1e9;
                rates[r] = done.size() / s;
                obtained[r] = local ? (processCpuNanos() - cpu0) / 1e9 / s : Double.NaN;
                log.accept(
                        String.format(
                                java.util.Locale.ROOT,
                                "%s repeat %d: %d tasks on %d partitions in %.2f s ="
                                        + " %.3f tasks/s, JVM CPU %.2f cores; load average %s",
                                label,
                                r + 1,
                                done.size(),
                                partitions,
                                s,
                                rates[r],
                                obtained[r],
                                Machine.loadAverage()));
            }
            return new Result(rates, obtained);
        } finally {
            spark.stop();
            MetaIterationBench.deleteQuietly(tmp);
        }
    }
}
