package org.metricopt.common.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;
import org.metricopt.common.testing.Fixtures;

/**
 * The task-data cache returns what a fresh materialisation returns, shares one entry between the
 * unrolls of a task that differ only in optimizer, learning rate, loss or probes, keeps tasks whose
 * data differ apart, and stays within its byte bound, least recently used first out.
 */
class TaskDataCacheTest {
    private static MetricOptConfig config;
    private static FashionMnist ds;
    private static int[] pool;

    @BeforeAll
    static void load() {
        config = Fixtures.smallConfig();
        ds = Fixtures.dataset();
        pool = DataSplits.of(ds, config.data().pretrainCount()).indices(Split.TASK_POOL);
    }

    private static TaskSpec task(int index) {
        return new TaskSampler(config).sample(TaskSampler.META_TRAIN, 3, index);
    }

    /** Materialises the task, counting the calls. */
    private static Supplier<TaskData> counted(TaskSpec spec, AtomicInteger calls) {
        return () -> {
            calls.incrementAndGet();
            return fresh(spec);
        };
    }

    private static TaskData fresh(TaskSpec spec) {
        return TaskData.materialise(spec, ds, pool, config.data().metaTestPoolFraction());
    }

    private static void assertSameData(TaskData a, TaskData b) {
        assertThat(a.trainX()).containsExactly(b.trainX());
        assertThat(a.trainY()).containsExactly(b.trainY());
        assertThat(a.valX()).containsExactly(b.valX());
        assertThat(a.valY()).containsExactly(b.valY());
        assertThat(a.testX()).containsExactly(b.testX());
        assertThat(a.testY()).containsExactly(b.testY());
    }

    @Test
    void aHitIsTheFreshDataAndTheUnrollsOfOneTaskShareIt() {
        TaskDataCache cache = new TaskDataCache(64L << 20);
        TaskSpec spec = task(0);
        AtomicInteger calls = new AtomicInteger();
        TaskData first = cache.get(spec, counted(spec, calls));
        TaskData again = cache.get(spec, counted(spec, calls));
        TaskData otherMethod =
                cache.get(
                        spec.withOptimizer("sgd", 0.123).withProbes(0, 0.0), counted(spec, calls));
        assertThat(calls).hasValue(1);
        assertThat(again).isSameAs(first);
        assertThat(otherMethod).isSameAs(first);
        assertSameData(first, fresh(spec));
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(1);
        assertThat(cache.bytes()).isEqualTo(first.bytes()).isPositive();
    }

    @Test
    void tasksWithOtherDataGetTheirOwn() {
        TaskDataCache cache = new TaskDataCache(64L << 20);
        AtomicInteger calls = new AtomicInteger();
        TaskSpec a = task(0);
        TaskSpec b = task(1);
        TaskData da = cache.get(a, counted(a, calls));
        TaskData db = cache.get(b, counted(b, calls));
        assertThat(calls).hasValue(2);
        assertThat(db).isNotSameAs(da);
        assertSameData(db, fresh(b));
        assertThat(TaskDataCache.key(a)).isNotEqualTo(TaskDataCache.key(b));
    }

    /** Every field materialise reads is in the key: changing any one of them gives another key. */
    @Test
    void everyDataFieldIsInTheKey() {
        TaskSpec s = task(0);
        String key = TaskDataCache.key(s);
        java.util.List<TaskSpec> changed =
                java.util.List.of(
                        s.toBuilder().seed(s.seed() + 1).build(),
                        s.toBuilder()
                                .kind("one-vs-rest".equals(s.kind()) ? "multiclass" : "one-vs-rest")
                                .build(),
                        s.toBuilder().classes(new int[] {9}).build(),
                        s.toBuilder().positiveFraction(s.positiveFraction() + 0.01).build(),
                        s.toBuilder().minEvalPositives(s.minEvalPositives() + 1).build(),
                        s.toBuilder().labelNoise(s.labelNoise() + 0.01).build(),
                        s.toBuilder().classWeights(new double[] {1.0}).build(),
                        s.toBuilder().contrast(s.contrast() + 0.01).build(),
                        s.toBuilder().brightness(s.brightness() + 0.01).build(),
                        s.toBuilder().noiseStd(s.noiseStd() + 0.01).build(),
                        s.toBuilder().rotationDeg(s.rotationDeg() + 1).build(),
                        s.toBuilder().trainSize(s.trainSize() + 1).build(),
                        s.toBuilder().valSize(s.valSize() + 1).build(),
                        s.toBuilder().testSize(s.testSize() + 1).build(),
                        s.toBuilder().metaTestPool(!s.metaTestPool()).build());
        for (TaskSpec c : changed) {
            assertThat(TaskDataCache.key(c)).isNotEqualTo(key);
        }
    }

    @Test
    void staysWithinItsBoundLeastRecentlyUsedFirstOut() {
        TaskSpec a = task(0);
        TaskSpec b = task(1);
        TaskSpec c = task(2);
        long one = fresh(a).bytes();
        // Room for two tasks of this size, not three.
        TaskDataCache cache = new TaskDataCache(2 * one + one / 2);
        AtomicInteger calls = new AtomicInteger();
        cache.get(a, counted(a, calls));
        cache.get(b, counted(b, calls));
        cache.get(a, counted(a, calls)); // a is now the most recently used
        cache.get(c, counted(c, calls)); // evicts b
        assertThat(calls).hasValue(3);
        cache.get(a, counted(a, calls));
        assertThat(calls).hasValue(3);
        cache.get(b, counted(b, calls));
        assertThat(calls).hasValue(4);
        assertThat(cache.bytes()).isLessThanOrEqualTo(2 * one + one / 2);
    }

    @Test
    void aZeroCacheKeepsNothing() {
        TaskDataCache cache = new TaskDataCache(0);
        TaskSpec spec = task(0);
        AtomicInteger calls = new AtomicInteger();
        TaskData first = cache.get(spec, counted(spec, calls));
        TaskData second = cache.get(spec, counted(spec, calls));
        assertThat(calls).hasValue(2);
        assertThat(second).isNotSameAs(first);
        assertThat(cache.bytes()).isZero();
        assertThat(TaskDataCache.capacityBytes(256))
                .isEqualTo(Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8));
    }
}
