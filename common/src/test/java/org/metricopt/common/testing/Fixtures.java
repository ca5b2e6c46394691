package org.metricopt.common.testing;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.SyntheticTrajectory;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;

/**
 * Shared test fixtures: the installed Fashion-MNIST, a small fast configuration and a randomly
 * initialised theta (no pre-training, so tests stay quick; behaviour, not accuracy, is tested).
 */
public final class Fixtures {
    private static FashionMnist dataset;

    private Fixtures() {}

    public static synchronized FashionMnist dataset() {
        if (dataset == null) {
            dataset = FashionMnist.load(new Configuration(), FashionMnist.DEFAULT_ROOT);
        }
        return dataset;
    }

    /** Small tasks: 300/100/200 examples, T = 20, batch 32; extra overrides applied last. */
    public static MetricOptConfig smallConfig(String... overrides) {
        List<String> o = new ArrayList<>();
        o.add("tasks.train-size=300");
        o.add("tasks.val-size=100");
        o.add("tasks.test-size=200");
        o.add("inner.steps=20");
        o.add("inner.batch-size=32");
        o.add("spark.master=local[2]");
        o.addAll(List.of(overrides));
        return ConfigLoader.load(null, o);
    }

    public static Theta randomTheta(MetricOptConfig config) {
        return Theta.initialise(config.network(), 7L);
    }

    /**
     * Saves {@link #randomTheta} where a run with {@code pretrain.path} = {@code dir} looks for it,
     * so that nothing is pre-trained.
     */
    public static void saveRandomTheta(MetricOptConfig config, java.nio.file.Path dir) {
        randomTheta(config)
                .save(
                        new Configuration(),
                        Theta.directory(dir.toUri().toString(), config.network()));
    }

    public static TaskRunner runner(MetricOptConfig config, Theta theta) {
        FashionMnist ds = dataset();
        int[] pool = DataSplits.of(ds, config.data().pretrainCount()).indices(Split.TASK_POOL);
        return new TaskRunner(ds, pool, config.data().metaTestPoolFraction(), theta);
    }

    /** Number of native managers alive under the engine's system manager. */
    public static int liveManagers() {
        return org.metricopt.common.io.ProcessMemory.liveManagers();
    }

    /**
     * Number of native arrays (and other non-manager resources) attached to {@code manager} or to
     * any manager under it: an array attached to a long-lived manager shows here, where the count
     * of live managers does not see it.
     */
    public static int liveArrays(ai.djl.ndarray.NDManager manager) {
        try {
            java.lang.reflect.Field f =
                    ai.djl.ndarray.BaseNDManager.class.getDeclaredField("resources");
            f.setAccessible(true);
            int n = 0;
            for (Object r : ((java.util.Map<?, ?>) f.get(manager)).values()) {
                n += r instanceof ai.djl.ndarray.NDManager sub ? liveArrays(sub) : 1;
            }
            return n;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DJL's BaseNDManager has no 'resources' map", e);
        }
    }

    /**
     * Native memory outside the JVM's own pools, in KiB: RSS minus the committed Java heap and
     * non-heap memory. This is where leaked tensors would show.
     */
    public static long nativeKib() {
        java.lang.management.MemoryMXBean mx =
                java.lang.management.ManagementFactory.getMemoryMXBean();
        long jvm =
                mx.getHeapMemoryUsage().getCommitted() + mx.getNonHeapMemoryUsage().getCommitted();
        return rssKib() - jvm / 1024;
    }

    /** See {@link org.metricopt.common.io.ProcessMemory#settle()}. */
    public static void settleJvm() {
        org.metricopt.common.io.ProcessMemory.settle();
    }

    /** Resident set size of this process in KiB. */
    public static long rssKib() {
        return org.metricopt.common.io.ProcessMemory.rssKib();
    }

    /** See {@link SyntheticTrajectory#of}. */
    public static Trajectory syntheticTrajectory(
            TaskSpec spec, int index, String family, float[] u, int steps, int[] observedSteps) {
        return SyntheticTrajectory.of(spec, index, family, u, steps, observedSteps);
    }
}
