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
 * against {@code local[2]}: two Spark sessions one after the other in this JVM, each with a warm-up
 * batch before the timed batches. Theta is random (seed 7), saved into a temporary directory.
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
            String confFile, int cores, String pretrainPath, List<String> extra) {
        List<String> o = new ArrayList<>();
        o.add("inner.steps=100");
        o.add("spark.master=local[" + cores + "]");
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
        Path tmp;
        try {
            tmp = Files.createTempDirectory("metricopt-bench-scaling");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String pretrain = tmp.resolve("pretrain").toUri().toString();
        MetricOptConfig config = config(confFile, cores, pretrain, extraOverrides);
        SparkSession spark = SparkSessions.create(config);
        try {
            String master = spark.sparkContext().master();
            if (!master.equals("local[" + cores + "]")) {
                throw new IllegalStateException(
                        "wanted master local[" + cores + "] but the session has " + master);
            }
            org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
            String thetaDir = Theta.directory(pretrain, config.network());
            Theta.initialise(config.network(), 7L).save(conf, thetaDir);
            EngineSetup.configure(config.spark().djlThreads());
            ExecutorContext ctx = SparkSessions.executorContext(spark, config, thetaDir);
            TaskSampler sampler = new TaskSampler(config);
            List<TaskSpec> warm = sampler.sampleBatch(TaskSampler.FINETUNE, 0, warmupTasks);
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
                obtained[r] = (processCpuNanos() - cpu0) / 1e9 / s;
                log.accept(
                        String.format(
                                java.util.Locale.ROOT,
                                "local[%d] repeat %d: %d tasks on %d partitions in %.2f s ="
                                        + " %.3f tasks/s, JVM CPU %.2f cores; load average %s",
                                cores,
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
