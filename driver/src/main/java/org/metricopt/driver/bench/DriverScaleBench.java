package org.metricopt.driver.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.learned.Perturbations;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.outer.EsResult;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.SyntheticTrajectory;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.TaskAdaptation;
import org.metricopt.common.valuefn.ValueLearner;

/**
 * The driver's learning per meta-iteration as the cluster grows, without Spark: the Spark-free
 * learner ({@link MetaLearner}) is fed synthetic phase-A trajectories for N tasks and synthetic ES
 * results for N x P antithetic pairs, and one meta-iteration's learning is timed. The value step
 * grows with N: per task, the check and average of its adapted weights (Reptile), plus its GP and
 * adaptation when meta-train.adapt-on = driver; the ES update (regenerating every ε from its key,
 * the estimate, the Adam step) grows with N x P. Both are then extrapolated linearly to a cluster
 * of E executors running one task each, and set against the executors' part of an iteration at
 * today's task length, plus each task's adaptation when the executors adapt.
 */
final class DriverScaleBench {
    /**
     * One measured point, medians over the repeats: seconds of the driver's whole step and of the
     * ES update alone, and executor seconds of one task's value-function adaptation (0 when the
     * driver adapts: the step then includes it).
     */
    record Point(
            int tasks,
            int pairs,
            double[] stepSeconds,
            double[] esSeconds,
            double[] adaptSeconds) {}

    private final String conf;
    private final List<String> overrides;

    /**
     * @param conf configuration file (null: the defaults); the learned optimizer is on and the
     *     point's task and pair counts are set on top of it, then {@code overrides}
     */
    DriverScaleBench(String conf, List<String> overrides) {
        this.conf = conf;
        this.overrides = List.copyOf(overrides);
    }

    MetricOptConfig config(int tasks, int pairs) {
        List<String> o = new ArrayList<>();
        o.add("learned-optimizer.enabled=true");
        o.add("meta-train.tasks-per-iteration=" + tasks);
        o.add("learned-optimizer.pairs-per-task=" + pairs);
        o.addAll(overrides);
        return ConfigLoader.load(conf, o);
    }

    /**
     * Times the second meta-iteration (the first fits the input scaler once, on the driver): the
     * steady state of a run. With meta-train.adapt-on = executors the adaptations are computed
     * first, as the executors would, and timed apart; the step then only checks and averages them.
     */
    Point measure(int tasks, int pairs, int warmups, int repeats) {
        MetricOptConfig config = config(tasks, pairs);
        EngineSetup.configure(1);
        MetaLearner learner = new MetaLearner(config);
        ValueLearner values = ValueLearner.of(config);
        long it = 1;
        List<TaskSpec> specs = MetaLearner.tasks(config, it);
        int d = BaseNetwork.of(config.network()).adapterDim();
        float[] u = new float[d];
        for (int i = 0; i < d; i++) {
            u[i] = (i % 7 == 0) ? 1f : 0f;
        }
        int steps = config.inner().steps();
        int[] observed = config.inner().observationSteps();
        List<Trajectory> ok = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            ok.add(
                    SyntheticTrajectory.of(
                            specs.get(i), i, specs.get(i).family(), u, steps, observed));
        }
        InputScaler scaler = values.fitScaler(ok);
        MetaState start =
                MetaLearner.initialState(config)
                        .atIteration(it)
                        .with(it, MetaState.SCALER_MEAN, scaler.mean())
                        .with(it, MetaState.SCALER_STD, scaler.std());
        int n = start.array(MetaState.LEARNED_WEIGHTS).length;
        List<EsResult> results = new ArrayList<>();
        for (int k = 0; k < tasks; k++) {
            for (int p = 0; p < pairs; p++) {
                float[] eps = Perturbations.epsilon(config.seed(), it, k, p, n);
                results.add(
                        new EsResult(
                                it,
                                k,
                                p,
                                1.0 + 0.01 * ((k + p) % 5),
                                1.0 - 0.01 * (k % 3),
                                0,
                                Perturbations.hash(eps),
                                0L,
                                new float[0],
                                new float[0]));
            }
        }
        boolean onExecutors = config.metaTrain().adaptOnExecutors();
        float[] w = start.array(MetaState.VALUE_WEIGHTS);
        double[] step = new double[repeats];
        double[] es = new double[repeats];
        double[] adapt = new double[repeats];
        // Unmeasured rounds first: the JIT compiles the learner's code paths (the first rounds of
        // a fresh JVM run several times slower, which would bend the slope between points).
        for (int r = -warmups; r < repeats; r++) {
            Map<Integer, TaskAdaptation> adapted = new HashMap<>();
            long t0 = System.nanoTime();
            if (onExecutors) {
                for (Trajectory t : ok) {
                    adapted.put(t.index(), values.adapt(w, scaler, t, specs.get(t.index()), it));
                }
            }
            long t1 = System.nanoTime();
            learner.step(
                    start,
                    specs,
                    ok,
                    adapted,
                    work -> {
                        if (work.pairs() != results.size()) {
                            throw new IllegalStateException(
                                    "phase B asked for "
                                            + work.pairs()
                                            + " pairs, expected "
                                            + results.size());
                        }
                        return results;
                    });
            long t2 = System.nanoTime();
            learner.esUpdate(start, results);
            long t3 = System.nanoTime();
            if (r >= 0) {
                adapt[r] = onExecutors ? (t1 - t0) / 1e9 / tasks : 0;
                step[r] = (t2 - t1) / 1e9;
                es[r] = (t3 - t2) / 1e9;
            }
        }
        return new Point(tasks, pairs, step, es, adapt);
    }

    /**
     * Driver seconds of one iteration at {@code tasks} tasks and {@code pairs} pairs, extrapolated
     * from two measured points with the same pair count: value step linear in tasks, ES update
     * linear in tasks x pairs.
     */
    static double[] projectDriver(Point small, Point large, int tasks, int pairs) {
        double esPerPair =
                Figure.median(large.esSeconds()) / ((double) large.tasks() * large.pairs());
        double valueSmall = Figure.median(small.stepSeconds()) - Figure.median(small.esSeconds());
        double valueLarge = Figure.median(large.stepSeconds()) - Figure.median(large.esSeconds());
        double perTask = Math.max(0, (valueLarge - valueSmall) / (large.tasks() - small.tasks()));
        double fixed = Math.max(0, valueLarge - perTask * large.tasks());
        double value = fixed + perTask * tasks;
        double esPart = esPerPair * tasks * pairs;
        return new double[] {value, esPart};
    }
}
