package org.metricopt.driver.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;
import org.metricopt.common.io.NativeHeap;
import org.metricopt.common.io.ProcessMemory;
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
     * @param mallocInUseKib native memory malloc has handed out and not had back (glibc; -1
     *     elsewhere): what tensors and other native objects hold
     * @param mallocFreeKib memory malloc keeps free in its heaps and arenas (glibc; -1 elsewhere):
     *     freed, but still resident until trimmed or reused
     */
    public record Sample(
            int tasksDone,
            long rssKib,
            long nativeKib,
            int liveManagers,
            long mallocInUseKib,
            long mallocFreeKib) {}

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

        /**
         * The highest RSS of any sample after the warm one, in percent above the warm RSS: the
         * stricter figure when RSS goes up and down between samples.
         */
        public double rssPeakGrowthPercent() {
            long peak = warm.rssKib();
            for (Sample s : trace) {
                if (s.tasksDone() > warm.tasksDone()) {
                    peak = Math.max(peak, s.rssKib());
                }
            }
            return 100.0 * (peak - warm.rssKib()) / warm.rssKib();
        }
    }

    private final List<String> overrides;
    private final int tasks;
    private final int warmTasks;
    private final int every;

    private final String conf;

    /**
     * @param conf configuration file under the small task configuration (null: the defaults)
     * @param overrides configuration overrides after the small task configuration
     */
    public MemoryBench(String conf, List<String> overrides, int tasks, int warmTasks, int every) {
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
        this.conf = conf;
        this.tasks = tasks;
        this.warmTasks = warmTasks;
        this.every = every;
    }

    /** Runs the tasks; {@code progress} sees each sample as it is taken. */
    public Result run(Consumer<Sample> progress) {
        MetricOptConfig config = ConfigLoader.load(conf, overrides);
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
        ProcessMemory.settle();
        long rss = ProcessMemory.rssKib();
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long jvm =
                mx.getHeapMemoryUsage().getCommitted() + mx.getNonHeapMemoryUsage().getCommitted();
        java.util.Optional<NativeHeap.Stats> heap = NativeHeap.stats();
        return new Sample(
                done,
                rss,
                rss - jvm / 1024,
                ProcessMemory.liveManagers(),
                heap.map(h -> h.inUseBytes() / 1024).orElse(-1L),
                heap.map(h -> h.freeBytes() / 1024).orElse(-1L));
    }
}
