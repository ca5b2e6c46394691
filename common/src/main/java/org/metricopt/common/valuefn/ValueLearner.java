package org.metricopt.common.valuefn;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.interp.GaussianProcess;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.learned.MetaAdam;
import org.metricopt.common.learned.Perturbations;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Probes;
import org.metricopt.common.unroll.Trajectory;

/**
 * The value function's meta-learning, without Spark (docs/DESIGN.md section 3): from one
 * meta-iteration's trajectories to the next meta-weights. Per task, the GP densifies the sparse
 * metric observations, the task's L_v data is assembled (path points with their targets and
 * weights, antithetic probe pairs) and a copy of the value function is adapted to it (w~); the
 * meta-weights then move along the Reptile direction mean(w~ - w), by plain SGD or by Adam. Pure
 * apart from native scratch memory: the same inputs give bit-identical outputs.
 */
public final class ValueLearner {
    private final ValueFunctionConfig cfg;
    private final int d;
    private final List<String> families;
    private final long seed;
    private final GaussianProcess gp;

    /**
     * @param families the run's task families in their configured order (the context's one-hot)
     * @param seed the run seed (keys of the ranking term's pairs)
     */
    public ValueLearner(ValueFunctionConfig cfg, int adapterDim, List<String> families, long seed) {
        this.cfg = cfg;
        this.d = adapterDim;
        this.families = List.copyOf(families);
        this.seed = seed;
        this.gp = GaussianProcess.builder().optNoiseRatios(cfg.gpNoiseRatios()).build();
    }

    /** The learner of a run: its value-function settings, network, families and seed. */
    public static ValueLearner of(MetricOptConfig config) {
        return new ValueLearner(
                config.valueFunction(),
                BaseNetwork.of(config.network()).adapterDim(),
                families(config),
                config.seed());
    }

    /** The run's task families in their configured order. */
    public static List<String> families(MetricOptConfig config) {
        return new ArrayList<>(config.tasks().mixture().keySet());
    }

    /** Initial weights: Glorot, the output bias at a typical value of g. */
    public float[] initialWeights(long seed) {
        return ValueFunction.initialise(
                inputs(),
                cfg.hidden(),
                Keys.derive(seed, "vf"),
                cfg.residual() ? 0f : INITIAL_OUTPUT,
                ValueFunctionConfig.GLOROT.equals(cfg.init()));
    }

    /** Initial output of an absolute value function: a typical metric value. */
    static final float INITIAL_OUTPUT = 0.3f;

    public ValueFunctionConfig config() {
        return cfg;
    }

    /** Width of the value function's input: d, plus the context when it is used. */
    public int inputs() {
        return d + contextSize();
    }

    public int contextSize() {
        return cfg.context() ? ValueContext.size(families.size()) : 0;
    }

    /**
     * The context c of a task of {@code family} (empty without context). {@code scaler} fills a
     * missing initial metric; it may be null when the metric is finite.
     */
    public float[] context(
            String family, double initialMetric, float[] features, InputScaler scaler) {
        if (!cfg.context()) {
            return new float[0];
        }
        return ValueContext.of(
                families.indexOf(family),
                families.size(),
                initialMetric,
                features,
                d,
                scaler == null ? null : scaler.mean());
    }

    /** The context of a finished trajectory. */
    public float[] context(Trajectory t, InputScaler scaler) {
        return context(
                t.family(),
                ValueDiagnostics.firstFinite(t.observedMetrics()),
                t.features(),
                scaler);
    }

    /** M_0 in residual mode (f = M_0 + g), else 0. */
    public double offset(double initialMetric) {
        return cfg.residual() ? initialMetric : 0.0;
    }

    /** GP interpolation over the valid observations only (dropped ones are NaN). */
    public Interpolation interpolate(int[] steps, double[] metrics, int horizon) {
        int n = 0;
        for (double v : metrics) {
            n += Double.isFinite(v) ? 1 : 0;
        }
        int[] vs = new int[n];
        double[] vm = new double[n];
        for (int i = 0, k = 0; i < metrics.length; i++) {
            if (Double.isFinite(metrics[i])) {
                vs[k] = steps[i];
                vm[k++] = metrics[i];
            }
        }
        return gp.interpolate(vs, vm, horizon);
    }

    /**
     * L_v's data for the path phi_0..phi_n (n + 1 points concatenated in {@code phis}) with the GP
     * targets, and no probes: what MetricOpt adapts on at meta-test.
     */
    public ValueFunction.Data pathData(
            float[] phis,
            Interpolation interp,
            int[] observedSteps,
            double[] observed,
            float[] context,
            double initialMetric) {
        return data(phis, interp, observedSteps, observed, context, initialMetric, null, null);
    }

    /** L_v's data of one meta-training trajectory, with its antithetic probes. */
    public ValueFunction.Data taskData(
            Trajectory t, TaskSpec spec, Interpolation interp, float[] context) {
        return data(
                t.phis(),
                interp,
                t.observedSteps(),
                t.observedMetrics(),
                context,
                ValueDiagnostics.firstFinite(t.observedMetrics()),
                t,
                spec);
    }

    private ValueFunction.Data data(
            float[] phis,
            Interpolation interp,
            int[] observedSteps,
            double[] observed,
            float[] context,
            double initialMetric,
            Trajectory probed,
            TaskSpec spec) {
        int n = phis.length / d;
        double off = offset(initialMetric);
        double[] targets = new double[n];
        double[] weights = new double[n];
        double sum = 0;
        for (int t = 0; t < n; t++) {
            targets[t] = interp.mean()[t] - off;
            double s = interp.std()[t];
            weights[t] = 1.0 / (s * s + cfg.sigma0() * cfg.sigma0());
            sum += weights[t];
        }
        if (cfg.normaliseWeights()) {
            for (int t = 0; t < n; t++) {
                weights[t] *= n / sum;
            }
        }
        List<Integer> obs = new ArrayList<>();
        for (int k = 0; k < observedSteps.length; k++) {
            if (Double.isFinite(observed[k]) && observedSteps[k] < n) {
                obs.add(observedSteps[k]);
            }
        }
        int w = d + context.length;
        List<float[]> plus = new ArrayList<>();
        List<float[]> minus = new ArrayList<>();
        List<Double> diffs = new ArrayList<>();
        if (probed != null && spec.probePairs() > 0) {
            int pairs = spec.probePairs();
            double[] pm = probed.probeMetrics();
            for (int k = 0; k < observedSteps.length; k++) {
                for (int p = 0; p < pairs; p++) {
                    double mp = pm[(k * pairs + p) * 2];
                    double mm = pm[(k * pairs + p) * 2 + 1];
                    if (!Double.isFinite(mp) || !Double.isFinite(mm)) {
                        continue;
                    }
                    float[] delta = Probes.delta(spec.seed(), k, p, d, spec.probeRadius());
                    float[] xp = new float[w];
                    float[] xm = new float[w];
                    int base = observedSteps[k] * d;
                    for (int i = 0; i < d; i++) {
                        xp[i] = phis[base + i] + delta[i];
                        xm[i] = phis[base + i] - delta[i];
                    }
                    System.arraycopy(context, 0, xp, d, context.length);
                    System.arraycopy(context, 0, xm, d, context.length);
                    plus.add(xp);
                    minus.add(xm);
                    diffs.add(mp - mm);
                }
            }
        }
        return new ValueFunction.Data(
                Inputs.rows(phis, d, context),
                targets,
                weights,
                obs.stream().mapToInt(Integer::intValue).toArray(),
                concat(plus, w),
                concat(minus, w),
                diffs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static float[] concat(List<float[]> rows, int w) {
        float[] out = new float[rows.size() * w];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, out, i * w, w);
        }
        return out;
    }

    /** The input scaler over x = [phi_t, c] of the first iteration's trajectories. */
    public InputScaler fitScaler(List<Trajectory> ok) {
        float[][] rows = new float[ok.size()][];
        for (int i = 0; i < rows.length; i++) {
            Trajectory t = ok.get(i);
            rows[i] = Inputs.rows(t.phis(), d, context(t, null));
        }
        return InputScaler.fit(rows, inputs(), d, cfg.minStd(), cfg.contextMinStd());
    }

    /** One task's trajectory and what adapting the value function to it gave. */
    public record TaskOutcome(Trajectory trajectory, TaskAdaptation adaptation) {}

    /**
     * The meta-state of the value function.
     *
     * @param adamM Adam's first moments (empty with the SGD meta-optimizer)
     * @param adamV Adam's second moments
     * @param adamStep Adam steps taken so far
     */
    public record State(float[] weights, float[] adamM, float[] adamV, long adamStep) {}

    /** The next meta-state and what each task gave. */
    public record Outcome(State state, List<TaskOutcome> tasks) {
        public double mean(java.util.function.ToDoubleFunction<TaskOutcome> f) {
            double s = 0;
            int n = 0;
            for (TaskOutcome t : tasks) {
                double v = f.applyAsDouble(t);
                if (Double.isFinite(v)) {
                    s += v;
                    n++;
                }
            }
            return n == 0 ? Double.NaN : s / n;
        }
    }

    /**
     * One meta-iteration of the value function (supp. Algorithm 1 lines 4, 5 and 7), every task
     * adapted here.
     *
     * @param ok the iteration's successful trajectories, in task order
     * @param specs the iteration's tasks, by task index (probe offsets are regenerated from them)
     */
    public Outcome step(
            State state,
            InputScaler scaler,
            List<Trajectory> ok,
            List<TaskSpec> specs,
            long iteration) {
        return step(state, scaler, ok, specs, iteration, Map.of());
    }

    /**
     * One meta-iteration of the value function, with the adaptations already computed elsewhere (on
     * the executors that unrolled the tasks) taken as they are: a task without one is adapted here.
     * The result is the same either way, bit for bit: an adaptation is a function of the
     * trajectory, the spec, the meta-weights and the scaler alone.
     *
     * @param done adaptations by task index; each must be of these meta-weights
     */
    public Outcome step(
            State state,
            InputScaler scaler,
            List<Trajectory> ok,
            List<TaskSpec> specs,
            long iteration,
            Map<Integer, TaskAdaptation> done) {
        float[] w = state.weights();
        long hash = weightsHash(w);
        List<float[]> adapted = new ArrayList<>();
        List<TaskOutcome> tasks = new ArrayList<>();
        for (Trajectory t : ok) {
            TaskAdaptation a = done.get(t.index());
            if (a == null) {
                a = adapt(w, scaler, t, specs.get(t.index()), iteration);
            } else if (a.weightsHash() != hash || a.index() != t.index()) {
                throw new MetricOptException(
                        ErrorClass.INTERNAL,
                        "meta-iteration "
                                + iteration
                                + ", task "
                                + t.index()
                                + ": its value-function adaptation came back for other"
                                + " meta-weights or another task than the driver's; refusing it");
            }
            adapted.add(a.adapted());
            tasks.add(new TaskOutcome(t, a));
        }
        return new Outcome(metaStep(state, adapted), tasks);
    }

    /**
     * Adapts a copy of the value function with meta-weights {@code w} to one task's trajectory: GP
     * over its observations, its L_v data with probes, {@code adapt-steps} steps (supp. Algorithm 1
     * line 5). Uses its own native memory, freed on return.
     */
    public TaskAdaptation adapt(
            float[] w, InputScaler scaler, Trajectory t, TaskSpec spec, long iteration) {
        Interpolation interp = interpolate(t.observedSteps(), t.observedMetrics(), t.steps());
        float[] c = context(t, scaler);
        double m0 = ValueDiagnostics.firstFinite(t.observedMetrics());
        try (NDManager manager = NDManager.newBaseManager();
                ValueFunction f =
                        new ValueFunction(manager, inputs(), d, cfg.hidden(), scaler, w)) {
            float[] prior = f.predict(t.phis(), c);
            double off = offset(m0);
            for (int s = 0; s < prior.length; s++) {
                prior[s] = (float) (prior[s] + off);
            }
            ValueFunction.Adaptation a =
                    f.adapt(
                            taskData(t, spec, interp, c),
                            cfg.adaptSteps(),
                            cfg.adaptLearningRate(),
                            cfg,
                            Keys.rng(seed, "vf-pairs", iteration, t.index()));
            return new TaskAdaptation(
                    t.index(),
                    weightsHash(w),
                    f.weights(),
                    c,
                    off,
                    interp,
                    prior,
                    a.lossBefore(),
                    a.lossAfter(),
                    ValueDiagnostics.spearmanAtObservations(prior, t),
                    ValueDiagnostics.stepIndexSpearman(t));
        }
    }

    /** A 64-bit hash of the exact bits of meta-weights, to match adaptations to them. */
    public static long weightsHash(float[] w) {
        return Perturbations.hash(w);
    }

    /** The Reptile move of the meta-weights towards the adapted weights (SGD or Adam). */
    State metaStep(State state, List<float[]> adapted) {
        float[] w = state.weights();
        if (!ValueFunctionConfig.ADAM.equals(cfg.metaOptimizer())) {
            return new State(
                    Reptile.update(w, adapted, cfg.reptileStep()),
                    state.adamM(),
                    state.adamV(),
                    state.adamStep());
        }
        if (adapted.isEmpty()) {
            return state;
        }
        double[] direction = Reptile.direction(w, adapted);
        double[] grad = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            grad[i] = -direction[i];
        }
        float[] m = state.adamM().length == w.length ? state.adamM() : new float[w.length];
        float[] v = state.adamV().length == w.length ? state.adamV() : new float[w.length];
        long step = state.adamStep() + 1;
        MetaAdam.Result r =
                MetaAdam.step(w, m, v, grad, step, cfg.metaLearningRate(), Double.MAX_VALUE);
        return new State(r.weights(), r.m(), r.v(), step);
    }
}
