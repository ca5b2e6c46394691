package org.metricopt.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.Redaction;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskDataCache;
import org.metricopt.common.unroll.TaskRunner;

/**
 * Per-JVM cache of what every task of a run shares: the dataset, theta and a {@link TaskRunner}.
 * Loaded once per executor JVM on first use (native handles are never shipped), and thread-safe:
 * concurrent Spark tasks in one executor share the read-only arrays.
 */
public final class ExecutorResources {
    private static final Map<String, TaskRunner> RUNNERS = new ConcurrentHashMap<>();

    private ExecutorResources() {}

    /** The runner for this context, loading the dataset and theta on first use in this JVM. */
    public static TaskRunner runner(ExecutorContext ctx) {
        configureEngine(ctx.djlThreads());
        return RUNNERS.computeIfAbsent(ctx.cacheKey(), k -> load(ctx));
    }

    /** Hadoop configuration with the driver's spark.hadoop.* settings applied. */
    public static Configuration hadoopConf(Map<String, String> settings) {
        Configuration conf = new Configuration();
        settings.forEach(conf::set);
        return conf;
    }

    private static TaskRunner load(ExecutorContext ctx) {
        Configuration conf = hadoopConf(ctx.hadoopSettings());
        FashionMnist ds = FashionMnist.load(conf, ctx.dataRoot());
        if (ctx.datasetChecksum() != null && !ctx.datasetChecksum().equals(ds.checksum())) {
            throw new MetricOptException(
                    ErrorClass.INVALID_DATASET,
                    "data.root = "
                            + Redaction.maskUriPasswords(ctx.dataRoot())
                            + " holds other data on this executor (sha256 "
                            + ds.checksum()
                            + ") than the driver validated (sha256 "
                            + ctx.datasetChecksum()
                            + "); every executor must read the same dataset, unchanged during the"
                            + " run");
        }
        int[] pool = DataSplits.of(ds, ctx.pretrainCount()).indices(Split.TASK_POOL);
        Theta theta = Theta.load(conf, ctx.thetaDir(), ctx.network());
        return new TaskRunner(
                ds,
                pool,
                ctx.metaTestPoolFraction(),
                theta,
                ctx.metricTimeoutMs(),
                TaskDataCache.capacityBytes(ctx.taskDataCacheMb()));
    }

    /** See {@link EngineSetup#configure}. */
    public static void configureEngine(int threads) {
        EngineSetup.configure(threads);
    }

    /** Drops the cached resources (tests, and executors that switch runs). */
    public static void clear() {
        RUNNERS.clear();
    }
}
