package org.metricopt.executor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.IdxTestFiles;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * An executor refuses data other than what the driver validated (a dataset replaced or vanished
 * during the run, or a node with another copy), and never shows credentials when its context is
 * logged.
 */
class ExecutorResourcesTest {
    @TempDir Path tmp;

    @AfterEach
    void clear() {
        ExecutorResources.clear();
    }

    /** A small Fashion-MNIST written into the temporary directory, and a configuration for it. */
    private MetricOptConfig configOnTestData() {
        IdxTestFiles.writeFashionMnist(tmp, 50, 20, false, 7L);
        return ConfigLoader.load(
                null, List.of("data.root=\"" + tmp + "\"", "data.pretrain-count=10"));
    }

    @Test
    void refusesADatasetWhoseChecksumDiffersFromTheDriversAndNamesIt() {
        MetricOptConfig config = configOnTestData();
        ExecutorContext ctx =
                ExecutorContext.of(
                        config, tmp.resolve("theta").toString(), Map.of(), "0".repeat(64));
        MetricOptException e =
                catchThrowableOfType(() -> ExecutorResources.runner(ctx), MetricOptException.class);
        assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_DATASET);
        assertThat(e.getMessage())
                .contains(tmp.toString())
                .contains("than the driver validated (sha256 " + "0".repeat(64) + ")");
    }

    /**
     * A JVM that serves two runs (local mode, a notebook, a long-lived executor) keys its runner by
     * the context: a run that differs from the first in any field the runner is built from (the
     * metric timeout, the checksum the dataset must match, the cache size, ...) must not get the
     * first run's runner. Each component but the per-call DJL thread count is changed in turn.
     */
    @Test
    void everyFieldTheRunnerIsBuiltFromIsInItsCacheKey() throws Exception {
        ExecutorContext base =
                ExecutorContext.of(
                        ConfigLoader.load(null, List.of()),
                        "/theta",
                        Map.of("fs.defaultFS", "file:///"),
                        "a".repeat(64));
        java.lang.reflect.RecordComponent[] components =
                ExecutorContext.class.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
        }
        java.lang.reflect.Constructor<ExecutorContext> make =
                ExecutorContext.class.getDeclaredConstructor(types);
        java.util.Set<String> runnerOnly = java.util.Set.of("metricTimeoutMs", "taskDataCacheMb");
        int checked = 0;
        for (int i = 0; i < components.length; i++) {
            String name = components[i].getName();
            if (name.equals("djlThreads")) {
                continue;
            }
            Object[] args = new Object[components.length];
            for (int j = 0; j < components.length; j++) {
                args[j] = components[j].getAccessor().invoke(base);
            }
            args[i] = otherValue(name, args[i]);
            ExecutorContext changed = make.newInstance(args);
            assertThat(changed.cacheKey()).as(name).isNotEqualTo(base.cacheKey());
            // The loaded dataset and theta are shared across what only the runner reads.
            if (runnerOnly.contains(name)) {
                assertThat(changed.dataKey()).as(name).isEqualTo(base.dataKey());
            } else {
                assertThat(changed.dataKey()).as(name).isNotEqualTo(base.dataKey());
            }
            checked++;
        }
        assertThat(checked).isEqualTo(components.length - 1);
    }

    /**
     * Runs that differ only in the metric timeout get their own runners but share one loaded
     * dataset, and a JVM keeps only the most recent runners, so a notebook sweeping a setting does
     * not pile up datasets and task-data caches.
     */
    @Test
    void runnersShareTheLoadedDataAndOnlyTheMostRecentAreKept() {
        MetricOptConfig config = configOnTestData();
        String thetaDir = tmp.resolve("theta").toUri().toString();
        org.metricopt.common.testing.Fixtures.randomTheta(config)
                .save(new org.apache.hadoop.conf.Configuration(), thetaDir);
        ExecutorContext first = ExecutorContext.of(config, thetaDir, Map.of(), null);
        var runner = ExecutorResources.runner(first);
        assertThat(ExecutorResources.runner(first)).isSameAs(runner);
        for (long timeout = 1; timeout <= 3; timeout++) {
            ExecutorResources.runner(withTimeout(first, timeout));
        }
        assertThat(ExecutorResources.held()).containsExactly(ExecutorResources.KEPT, 1);
        assertThat(ExecutorResources.runner(first)).isNotSameAs(runner);
    }

    private static ExecutorContext withTimeout(ExecutorContext c, long timeoutMs) {
        return new ExecutorContext(
                c.dataRoot(),
                c.pretrainCount(),
                c.metaTestPoolFraction(),
                c.thetaDir(),
                c.network(),
                c.djlThreads(),
                c.hadoopSettings(),
                timeoutMs,
                c.datasetChecksum(),
                c.taskDataCacheMb());
    }

    private static Object otherValue(String name, Object value) {
        if (value == null) {
            throw new AssertionError(name + " is null in the base context; give it a value");
        }
        if (value instanceof String s) {
            return s + "x";
        }
        if (value instanceof Integer n) {
            return n + 1;
        }
        if (value instanceof Long n) {
            return n + 1;
        }
        if (value instanceof Double x) {
            return x + 0.25;
        }
        if (value instanceof java.util.TreeMap<?, ?> m) {
            java.util.TreeMap<String, String> other = new java.util.TreeMap<>();
            m.forEach((k, v) -> other.put(k.toString(), v.toString()));
            other.put("fs.extra", "1");
            return other;
        }
        if (value instanceof org.metricopt.common.config.NetworkConfig n) {
            String other =
                    n.kind().equals(org.metricopt.common.config.NetworkConfig.MLP)
                            ? org.metricopt.common.config.NetworkConfig.CNN
                            : org.metricopt.common.config.NetworkConfig.MLP;
            return new org.metricopt.common.config.NetworkConfig(
                    other, n.mlpAdapterDim(), n.mlpHidden(), n.cnnChannels());
        }
        throw new AssertionError("no other value for " + name + ", a " + value.getClass());
    }

    @Test
    void aLoggedContextMasksCredentials() {
        MetricOptConfig config = ConfigLoader.load(null, List.of());
        ExecutorContext ctx =
                ExecutorContext.of(
                        config,
                        "s3a://AKIA:hunter2secret@bucket/theta",
                        Map.of("fs.s3a.secret.key", "hunter2secret", "fs.s3a.endpoint", "x"),
                        null);
        assertThat(ctx.toString()).doesNotContain("hunter2secret").contains("fs.s3a.endpoint=x");
    }
}
