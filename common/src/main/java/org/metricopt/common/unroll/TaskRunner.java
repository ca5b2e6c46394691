package org.metricopt.common.unroll;

import ai.djl.ndarray.NDManager;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.metrics.Metric;
import org.metricopt.common.metrics.Metrics;
import org.metricopt.common.metrics.TimedMetric;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskDataCache;
import org.metricopt.common.tasks.TaskSpec;

/**
 * Runs one task end to end on whatever JVM holds the resources: materialise its data, bind the
 * network, unroll, release native memory. The same code runs in a Spark executor and in the
 * single-JVM path of the tests. A task that throws becomes a {@link TaskStatus#FAILED} record with
 * its reason, so one bad task never kills a batch.
 */
public final class TaskRunner {
    private final FashionMnist dataset;
    private final int[] poolIndices;
    private final double metaTestPoolFraction;
    private final Theta theta;
    private final BaseNetwork network;
    private final long metricTimeoutMs;
    private final TaskDataCache dataCache;

    public TaskRunner(
            FashionMnist dataset, int[] poolIndices, double metaTestPoolFraction, Theta theta) {
        this(dataset, poolIndices, metaTestPoolFraction, theta, 0L);
    }

    /**
     * @param metricTimeoutMs per-call timeout of the task metric; 0 or less for none
     */
    public TaskRunner(
            FashionMnist dataset,
            int[] poolIndices,
            double metaTestPoolFraction,
            Theta theta,
            long metricTimeoutMs) {
        this(dataset, poolIndices, metaTestPoolFraction, theta, metricTimeoutMs, 0L);
    }

    /**
     * @param metricTimeoutMs per-call timeout of the task metric; 0 or less for none
     * @param dataCacheBytes bytes of materialised task data kept for the same task's next unroll
     *     (see {@link TaskDataCache}); 0 keeps none
     */
    public TaskRunner(
            FashionMnist dataset,
            int[] poolIndices,
            double metaTestPoolFraction,
            Theta theta,
            long metricTimeoutMs,
            long dataCacheBytes) {
        this.dataCache = new TaskDataCache(dataCacheBytes);
        this.metricTimeoutMs = metricTimeoutMs;
        this.dataset = dataset;
        this.poolIndices = poolIndices;
        this.metaTestPoolFraction = metaTestPoolFraction;
        this.theta = theta;
        this.network = BaseNetwork.of(theta.network());
    }

    public BaseNetwork network() {
        return network;
    }

    /** The task's black-box metric, with this runner's per-call timeout. */
    public Metric metric(TaskSpec spec) {
        return TimedMetric.wrap(Metrics.load(spec.metric()), metricTimeoutMs);
    }

    /** The task's data, from this runner's cache when an earlier unroll of the task left it. */
    public TaskData data(TaskSpec spec) {
        return dataCache.get(
                spec, () -> TaskData.materialise(spec, dataset, poolIndices, metaTestPoolFraction));
    }

    public TaskDataCache dataCache() {
        return dataCache;
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            throw new IllegalStateException("could not release an update rule", e);
        }
    }

    /** Finetunes with the task's own optimizer (the CE+SGD or CE+Adam baseline). */
    public Trajectory runBaseline(TaskSpec spec) {
        return run(
                spec,
                "ce-" + spec.optimizer(),
                PhiOptimizer.create(
                        spec.optimizer(),
                        spec.learningRate(),
                        spec.momentum(),
                        network.adapterDim()));
    }

    /** Finetunes with the given update rule; the rule must be fresh (it holds per-task state). */
    public Trajectory run(TaskSpec spec, String method, PhiOptimizer rule) {
        boolean[] taken = {false};
        try {
            return run(
                    spec,
                    method,
                    net -> {
                        taken[0] = true;
                        return rule;
                    });
        } finally {
            // A task that failed before its network was bound never took the rule: release it.
            if (!taken[0] && rule instanceof AutoCloseable closeable) {
                closeQuietly(closeable);
            }
        }
    }

    /**
     * Finetunes with the update rule that {@code ruleOf} builds for the task's bound network (for
     * rules that read the network, such as the oracle control).
     */
    public Trajectory run(
            TaskSpec spec,
            String method,
            java.util.function.Function<TaskNetwork, PhiOptimizer> ruleOf) {
        long start = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager()) {
            Metric metric = metric(spec);
            TaskData data = data(spec);
            PhiOptimizer rule = null;
            try (TaskNetwork net = new TaskNetwork(manager, network, theta, spec, data)) {
                rule = ruleOf.apply(net);
                // The task's whole executor time, not only the loop: preparing its data and
                // binding the network are executor work too.
                return InnerLoop.run(spec, data, net, metric, rule, method)
                        .withComputeNanos(System.nanoTime() - start);
            } finally {
                if (rule instanceof AutoCloseable closeable) {
                    closeQuietly(closeable);
                }
            }
        } catch (RuntimeException e) {
            String why =
                    e.getClass().getSimpleName()
                            + ": "
                            + String.valueOf(e.getMessage()).replace('\n', ' ');
            return Trajectory.failed(
                    spec.id(), spec.index(), spec.family(), method, why, System.nanoTime() - start);
        } finally {
            afterTask();
        }
    }

    /**
     * With the JVM property {@code metricopt.mallocTrimEvery = N > 0} (for example through {@code
     * spark.executor.extraJavaOptions}), every N tasks in this JVM the native heap's free pages go
     * back to the OS ({@link org.metricopt.common.io.NativeHeap}). Off by default: measured with N
     * = 16 it lowers an executor's RSS ceiling over 1,000 small tasks (about 620 MiB instead of
     * 690) but costs about 5% of single-thread throughput and makes RSS oscillate between trims
     * (docs/benchmarks-history.md).
     */
    static final int TRIM_EVERY = Integer.getInteger("metricopt.mallocTrimEvery", 0);

    private static final java.util.concurrent.atomic.AtomicLong TASKS_DONE =
            new java.util.concurrent.atomic.AtomicLong();

    private static void afterTask() {
        if (TRIM_EVERY > 0 && TASKS_DONE.incrementAndGet() % TRIM_EVERY == 0) {
            org.metricopt.common.io.NativeHeap.trim();
        }
    }

    /**
     * Runs {@code body} with the task's data and bound network (for computations that are not a
     * plain unroll, such as back-propagating through one); releases native memory afterwards.
     */
    public <T> T withNetwork(
            TaskSpec spec, java.util.function.BiFunction<TaskData, TaskNetwork, T> body) {
        try (NDManager manager = NDManager.newBaseManager()) {
            TaskData data = data(spec);
            try (TaskNetwork net = new TaskNetwork(manager, network, theta, spec, data)) {
                return body.apply(data, net);
            }
        }
    }
}
