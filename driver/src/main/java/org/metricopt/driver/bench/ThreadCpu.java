package org.metricopt.driver.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of this JVM's threads by kind, sampled from {@code /proc/self/task/<tid>/stat} (Linux)
 * on a background thread, so the benchmark can say where the machine's cores went during a span of
 * wall time: Spark task threads (the executor work in local mode), the driver's main thread, the
 * JIT compilers, the garbage collector, the run's log writer and the rest (Spark's scheduler and
 * RPC threads, ...). Native code counts for the thread that calls it, so with one intra-op thread
 * PyTorch's work is on the Spark task threads.
 */
final class ThreadCpu implements AutoCloseable {
    /** Kinds of threads, in report order. */
    static final List<String> KINDS =
            List.of("executor_tasks", "driver_main", "jit", "gc", "log_writer", "other");

    /** Linux reports thread times in USER_HZ ticks, 100 per second on every architecture. */
    private static final double TICKS_PER_S = 100.0;

    /** A sample: wall clock (ms since the epoch) and CPU seconds so far per kind. */
    record Sample(long timeMs, Map<String, Double> cpuS) {}

    /** CPU seconds per kind over a span of wall time, and the span. */
    record Split(double wallS, Map<String, Double> cpuS) {
        /** CPU of one kind as a percentage of {@code cores} x the wall time. */
        double percentOf(String kind, int cores) {
            return 100.0 * cpuS.getOrDefault(kind, 0.0) / (cores * wallS);
        }

        double idlePercent(int cores) {
            double used = cpuS.values().stream().mapToDouble(Double::doubleValue).sum();
            return 100.0 * (cores * wallS - used) / (cores * wallS);
        }
    }

    private final List<Sample> samples = new ArrayList<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private ThreadCpu(long everyMs) {
        sampler =
                new Thread(
                        () -> {
                            while (running) {
                                Sample s = sample();
                                synchronized (samples) {
                                    samples.add(s);
                                }
                                try {
                                    Thread.sleep(everyMs);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        "metricopt-bench-cpu-sampler");
        sampler.setDaemon(true);
    }

    /** Starts sampling every {@code everyMs} milliseconds. */
    static ThreadCpu start(long everyMs) {
        ThreadCpu t = new ThreadCpu(everyMs);
        t.sampler.start();
        return t;
    }

    /** What a thread of this name counts as; Linux keeps the first 15 characters of a name. */
    static String kind(String name) {
        if (name.startsWith("Executor task")) {
            return "executor_tasks";
        }
        if (name.equals("java") || name.equals("main")) {
            return "driver_main";
        }
        if (name.contains("CompilerThre")) {
            return "jit";
        }
        if (name.startsWith("GC Thread")
                || name.startsWith("G1 ")
                || name.startsWith("VM Thread")
                || name.startsWith("GC ")) {
            return "gc";
        }
        if (name.startsWith("metricopt-run-w")) {
            return "log_writer";
        }
        return "other";
    }

    /** One reading of every thread of this process. */
    static Sample sample() {
        Map<String, Double> cpu = new TreeMap<>();
        for (String k : KINDS) {
            cpu.put(k, 0.0);
        }
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended between listing and reading
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close);
                String[] f = stat.substring(close + 2).split(" ");
                // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the name.
                double s = (Long.parseLong(f[11]) + Long.parseLong(f[12])) / TICKS_PER_S;
                cpu.merge(kind(name), s, Double::sum);
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read /proc/self/task; the CPU split needs Linux", e);
        }
        return new Sample(System.currentTimeMillis(), cpu);
    }

    /**
     * The split between the last sample at or before {@code fromMs} and the first at or after
     * {@code toMs}, so the span covers the requested one.
     */
    Split between(long fromMs, long toMs) {
        List<Sample> copy;
        synchronized (samples) {
            copy = List.copyOf(samples);
        }
        Sample a = null;
        Sample b = null;
        for (Sample s : copy) {
            if (s.timeMs() <= fromMs) {
                a = s;
            }
            if (b == null && s.timeMs() >= toMs) {
                b = s;
            }
        }
        if (a == null || b == null) {
            throw new IllegalStateException(
                    "no CPU samples around " + fromMs + ".." + toMs + " ms");
        }
        return difference(a, b);
    }

    static Split difference(Sample a, Sample b) {
        Map<String, Double> d = new LinkedHashMap<>();
        for (String k : KINDS) {
            // A thread that ended inside the span takes its time with it; never report below 0.
            d.put(k, Math.max(0.0, b.cpuS().get(k) - a.cpuS().get(k)));
        }
        return new Split((b.timeMs() - a.timeMs()) / 1000.0, d);
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
        try {
            sampler.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (samples) {
            samples.add(sample());
        }
    }
}
