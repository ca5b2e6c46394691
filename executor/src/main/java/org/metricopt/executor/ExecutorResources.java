package org.metricopt.executor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;
import org.metricopt.common.nets.Autograd;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.unroll.TaskRunner;

/**
 * Per-JVM cache of what every task of a run shares: the dataset, theta and a {@link TaskRunner}.
 * Loaded once per executor JVM on first use (native handles are never shipped), and thread-safe:
 * concurrent Spark tasks in one executor share the read-only arrays.
 */
public final class ExecutorResources {
    private static final Map<String, TaskRunner> RUNNERS = new ConcurrentHashMap<>();
    private static volatile int configuredThreads = -1;

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
        int[] pool = DataSplits.of(ds, ctx.pretrainCount()).indices(Split.TASK_POOL);
        Theta theta = Theta.load(conf, ctx.thetaDir(), ctx.network());
        return new TaskRunner(ds, pool, ctx.metaTestPoolFraction(), theta);
    }

    /**
     * Sets PyTorch's intra-op thread count. It is process-wide, so every task of the JVM must
     * agree; with one Spark task per core, one thread per task fills the machine and keeps the
     * floating-point reduction order, hence the results, independent of the core count.
     */
    public static synchronized void configureEngine(int threads) {
        if (configuredThreads != threads) {
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
            Autograd.setRecording(false);
            configuredThreads = threads;
        }
    }

    /** Drops the cached resources (tests, and executors that switch runs). */
    public static void clear() {
        RUNNERS.clear();
    }
}
