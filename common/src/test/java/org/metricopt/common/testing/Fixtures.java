package org.metricopt.common.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Probes;
import org.metricopt.common.unroll.TaskRunner;
import org.metricopt.common.unroll.TaskStatus;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.TaskFeatures;

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

    /**
     * A synthetic phase-A trajectory: the optimizer walks along a random direction v of its own
     * (from the task's seed), and every observation and antithetic probe pair (spec.probePairs() of
     * them) is the true metric m_0 - 0.02 u.phi at that point, which falls along {@code u} whatever
     * the path. The adapter dimension is u's length.
     */
    public static Trajectory syntheticTrajectory(
            TaskSpec spec, int index, String family, float[] u, int steps, int[] observedSteps) {
        int d = u.length;
        int pairs = spec.probePairs();
        SplittableRandom rng = new SplittableRandom(spec.seed());
        float[] v = new float[d];
        for (int i = 0; i < d; i++) {
            v[i] = (float) (0.2 * (rng.nextDouble() - 0.5));
        }
        double m0 = 0.2 + 0.3 * rng.nextDouble();
        float[] phis = new float[(steps + 1) * d];
        for (int t = 0; t <= steps; t++) {
            for (int i = 0; i < d; i++) {
                phis[t * d + i] = t * v[i];
            }
        }
        double[] observed = new double[observedSteps.length];
        double[] probes = new double[observedSteps.length * pairs * 2];
        for (int k = 0; k < observedSteps.length; k++) {
            float[] phi =
                    Arrays.copyOfRange(phis, observedSteps[k] * d, (observedSteps[k] + 1) * d);
            observed[k] = syntheticMetric(m0, u, phi);
            for (int p = 0; p < pairs; p++) {
                float[] delta = Probes.delta(spec.seed(), k, p, d, spec.probeRadius());
                float[] plus = phi.clone();
                float[] minus = phi.clone();
                for (int i = 0; i < d; i++) {
                    plus[i] += delta[i];
                    minus[i] -= delta[i];
                }
                probes[(k * pairs + p) * 2] = syntheticMetric(m0, u, plus);
                probes[(k * pairs + p) * 2 + 1] = syntheticMetric(m0, u, minus);
            }
        }
        float[] features = new float[TaskFeatures.SIZE];
        features[0] = (float) rng.nextDouble();
        return new Trajectory(
                spec.id(),
                index,
                family,
                "ce-sgd",
                TaskStatus.OK,
                "",
                d,
                phis,
                new float[steps + 1],
                observedSteps.clone(),
                observed,
                observed.clone(),
                observed[0],
                observed[observedSteps.length - 1],
                observed[0],
                features,
                probes,
                new double[0],
                0L);
    }

    private static double syntheticMetric(double m0, float[] u, float[] phi) {
        double s = 0;
        for (int i = 0; i < u.length; i++) {
            s += u[i] * phi[i];
        }
        return m0 - 0.02 * s;
    }
}
