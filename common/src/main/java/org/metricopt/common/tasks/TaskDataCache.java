package org.metricopt.common.tasks;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The materialised data of recent tasks in one JVM, for the same task's next unroll: phase B
 * unrolls the tasks phase A just unrolled, and meta-test unrolls each task once per method and
 * learning rate. Materialising is deterministic (docs/DESIGN.md section 5), so a hit returns the
 * same bits a fresh materialisation would; only the time differs (about 0.1 s per task, most of it
 * the per-pixel noise). Bounded by bytes, least recently used first out; thread-safe (concurrent
 * Spark tasks of one executor share it). Two threads that miss on the same task both materialise
 * it; the first to finish is kept.
 */
public final class TaskDataCache {
    private final long capacityBytes;
    private final LinkedHashMap<String, TaskData> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    public TaskDataCache(long capacityBytes) {
        this.capacityBytes = Math.max(0, capacityBytes);
    }

    /**
     * The capacity of {@code mib} MiB ({@code spark.task-data-cache-mb}) in this JVM: never more
     * than an eighth of its maximum heap, so an executor with a small heap is not crowded out.
     */
    public static long capacityBytes(int mib) {
        return Math.min((long) mib << 20, Runtime.getRuntime().maxMemory() / 8);
    }

    /**
     * The task's data: the kept instance, or {@code materialise}'s result (then kept if it fits).
     */
    public TaskData get(TaskSpec spec, Supplier<TaskData> materialise) {
        if (capacityBytes == 0) {
            return materialise.get();
        }
        String key = key(spec);
        synchronized (this) {
            TaskData kept = entries.get(key);
            if (kept != null) {
                hits++;
                return kept;
            }
            misses++;
        }
        TaskData data = materialise.get();
        long size = data.bytes();
        if (size > capacityBytes) {
            return data;
        }
        synchronized (this) {
            TaskData raced = entries.putIfAbsent(key, data);
            if (raced != null) {
                return raced;
            }
            bytes += size;
            Iterator<Map.Entry<String, TaskData>> oldest = entries.entrySet().iterator();
            while (bytes > capacityBytes) {
                bytes -= oldest.next().getValue().bytes();
                oldest.remove();
            }
        }
        return data;
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public synchronized long bytes() {
        return bytes;
    }

    /**
     * Every field {@link TaskData#materialise} reads, and nothing else: the optimizer, learning
     * rate, loss, steps and probes of a spec do not change its data, so the unrolls of one task
     * with different methods share an entry. The stream and iteration enter through the seed.
     * Doubles print exactly (the shortest decimal that reads back as the same double).
     */
    static String key(TaskSpec s) {
        return s.seed()
                + "|"
                + s.kind()
                + "|"
                + Arrays.toString(s.classes())
                + "|"
                + s.positiveFraction()
                + "|"
                + s.minEvalPositives()
                + "|"
                + s.labelNoise()
                + "|"
                + Arrays.toString(s.classWeights())
                + "|"
                + s.contrast()
                + "|"
                + s.brightness()
                + "|"
                + s.noiseStd()
                + "|"
                + s.rotationDeg()
                + "|"
                + s.trainSize()
                + "|"
                + s.valSize()
                + "|"
                + s.testSize()
                + "|"
                + s.metaTestPool();
    }
}
