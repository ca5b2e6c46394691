package org.metricopt.executor;

import java.util.LinkedHashMap;
import java.util.Map;
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
 *
 * <p>A long-lived JVM (local mode, a notebook kernel) may serve many runs. Runners are kept by
 * their whole context ({@link ExecutorContext#cacheKey}), the dataset and theta by what they are
 * loaded from ({@link ExecutorContext#dataKey}), so runs that differ only in the metric timeout or
 * the task-data cache share one loaded copy; each map keeps its {@value #KEPT} most recently used
 * entries, so sweeping a setting in a notebook does not pile up datasets and task-data caches.
 */
public final class ExecutorResources {
    /** Entries each map keeps: the current run's and one other (two runs alternating). */
    static final int KEPT = 2;

    private static final Map<String, TaskRunner> RUNNERS = lru();
    private static final Map<String, Loaded> LOADED = lru();

    /** A dataset checked against the driver's checksum, its task pool and theta. */
    private record Loaded(FashionMnist dataset, int[] pool, Theta theta) {}

    private ExecutorResources() {}

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > KEPT;
            }
        };
    }

    /** The runner for this context, loading the dataset and theta on first use in this JVM. */
    public static synchronized TaskRunner runner(ExecutorContext ctx) {
        configureEngine(ctx.djlThreads());
        return RUNNERS.computeIfAbsent(
                ctx.cacheKey(),
                key -> {
                    Loaded loaded = LOADED.computeIfAbsent(ctx.dataKey(), d -> load(ctx));
                    return new TaskRunner(
                            loaded.dataset(),
                            loaded.pool(),
                            ctx.metaTestPoolFraction(),
                            loaded.theta(),
                            ctx.metricTimeoutMs(),
                            TaskDataCache.capacityBytes(ctx.taskDataCacheMb()));
                });
    }

    /** How many runners and loaded datasets this JVM holds (tests). */
    static synchronized int[] held() {
        return new int[] {RUNNERS.size(), LOADED.size()};
    }

    /** Hadoop configuration with the driver's spark.hadoop.* settings applied. */
    public static Configuration hadoopConf(Map<String, String> settings) {
        Configuration conf = new Configuration();
        settings.forEach(conf::set);
        return conf;
    }

    private static Loaded load(ExecutorContext ctx) {
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
        return new Loaded(ds, pool, Theta.load(conf, ctx.thetaDir(), ctx.network()));
    }

    /** See {@link EngineSetup#configure}. */
    public static void configureEngine(int threads) {
        EngineSetup.configure(threads);
    }

    /** Drops the cached resources (tests, and executors that switch runs). */
    public static synchronized void clear() {
        RUNNERS.clear();
        LOADED.clear();
    }
}
