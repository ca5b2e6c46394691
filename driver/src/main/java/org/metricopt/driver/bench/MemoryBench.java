package org.metricopt.driver.bench;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.Trajectory;

/**
 * The {@code memory} benchmark: resident set size and live native managers over many inner-loop
 * tasks in one JVM, run exactly as an executor runs them ({@link TaskRunner#runBaseline}), one
 * after another on one thread. Memory is read after a garbage collection, so that heap garbage and
 * unreclaimed direct buffers do not count as growth.
 */
public final class MemoryBench {
    /**
     * The default task size: that of the tests' small configuration (300/100/200 examples, T = 20,
     * batch 32), so that a thousand tasks take minutes. {@code --set} overrides come after these.
     */
    public static final List<String> SMALL_CONFIG =
            List.of(
                    "tasks.train-size=300",
                    "tasks.val-size=100",
                    "tasks.test-size=200",
                    "inner.steps=20",
                    "inner.batch-size=32");

    private static final long THETA_SEED = 7L;

    /**
     * Memory at one point of the run.
     *
     * @param rssKib resident set size
     * @param nativeKib RSS minus the committed Java heap and non-heap pools: a rough estimate of
     *     native memory (negative while committed heap is not yet resident), whose growth is where
     *     leaked tensors would show
     * @param liveManagers native managers alive under the engine's system manager
     */
    public record Sample(int tasksDone, long rssKib, long nativeKib, int liveManagers) {}

    /**
     * @param warm the sample after the warm-up tasks
     * @param end the sample after the last task
     * @param trace a sample every {@code every} tasks from the warm one on, the end included
     */
    public record Result(Sample warm, Sample end, List<Sample> trace) {
        /** RSS growth from warm to end, in percent of the warm RSS. */
        public double rssGrowthPercent() {
            return 100.0 * (end.rssKib() - warm.rssKib()) / warm.rssKib();
        }
    }

    private final List<String> overrides;
    private final int tasks;
    private final int warmTasks;
    private final int every;

    public MemoryBench(List<String> overrides, int tasks, int warmTasks, int every) {
        if (warmTasks < 1 || tasks <= warmTasks || every < 1) {
            throw new IllegalArgumentException(
                    "need 1 <= warm tasks < tasks and a sampling interval >= 1; got "
                            + warmTasks
                            + " warm tasks of "
                            + tasks
                            + ", interval "
                            + every);
        }
        List<String> all = new ArrayList<>(SMALL_CONFIG);
        all.addAll(overrides);
        this.overrides = List.copyOf(all);
        this.tasks = tasks;
        this.warmTasks = warmTasks;
        this.every = every;
    }

    /** Runs the tasks; {@code progress} sees each sample as it is taken. */
    public Result run(Consumer<Sample> progress) {
        MetricOptConfig config = ConfigLoader.load(null, overrides);
        EngineSetup.configure(config.spark().djlThreads());
        FashionMnist ds = FashionMnist.load(new Configuration(), config.data().root());
        int[] pool = DataSplits.of(ds, config.data().pretrainCount()).indices(Split.TASK_POOL);
        TaskRunner runner =
                new TaskRunner(
                        ds,
                        pool,
                        config.data().metaTestPoolFraction(),
                        Theta.initialise(config.network(), THETA_SEED));
        TaskSampler sampler = new TaskSampler(config);
        List<Sample> trace = new ArrayList<>();
        Sample warm = null;
        for (int i = 0; i < tasks; i++) {
            TaskSpec spec = sampler.sample(TaskSampler.FINETUNE, 0, i);
            Trajectory t = runner.runBaseline(spec);
            if (!t.ok()) {
                throw new IllegalStateException(
                        "task " + spec.id() + " failed, so memory is not measured: " + t.failure());
            }
            int done = i + 1;
            if (done == warmTasks
                    || (done > warmTasks && (done - warmTasks) % every == 0)
                    || done == tasks) {
                Sample s = sample(done);
                if (done == warmTasks) {
                    warm = s;
                }
                trace.add(s);
                progress.accept(s);
            }
        }
        return new Result(warm, trace.get(trace.size() - 1), List.copyOf(trace));
    }

    private static Sample sample(int done) {
        settle();
        long rss = rssKib();
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long jvm =
                mx.getHeapMemoryUsage().getCommitted() + mx.getNonHeapMemoryUsage().getCommitted();
        return new Sample(done, rss, rss - jvm / 1024, liveManagers());
    }

    /**
     * Runs the garbage collector and gives the reference handler time to run the cleaners of direct
     * buffers, which DJL uses to move data in and out of native arrays.
     */
    private static void settle() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Resident set size of this process in KiB, from /proc/self/status. */
    static long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read /proc/self/status; the memory benchmark needs Linux", e);
        }
        throw new IllegalStateException("/proc/self/status has no VmRSS line");
    }

    /**
     * Native managers alive under the engine's system manager (the probe itself excluded). DJL does
     * not expose the count, so this reads BaseNDManager's resource map by reflection, as the tests
     * do (common's Fixtures.liveManagers).
     */
    static int liveManagers() {
        try (NDManager probe = NDManager.newBaseManager()) {
            NDManager system = probe.getParentManager();
            Field f = BaseNDManager.class.getDeclaredField("resources");
            f.setAccessible(true);
            return ((Map<?, ?>) f.get(system)).size() - 1;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "DJL's BaseNDManager no longer has a 'resources' map; update"
                            + " MemoryBench.liveManagers for this DJL version",
                    e);
        }
    }
}
