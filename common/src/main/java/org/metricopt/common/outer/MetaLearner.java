package org.metricopt.common.outer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.metricopt.common.config.InnerLoopConfig;
import org.metricopt.common.config.LearnedOptimizerConfig;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.learned.Estimators;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.learned.MetaAdam;
import org.metricopt.common.learned.Perturbations;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.TaskAdaptation;
import org.metricopt.common.valuefn.ValueLearner;

/**
 * The outer loop of meta-training (supp. Algorithm 1; docs/DESIGN.md sections 3.1 and 4) as a
 * library: one meta-iteration's learning, from the iteration's trajectories and its ES results to
 * the next {@link MetaState}. Interpolation, adaptation and the Reptile step of the value function
 * ({@link ValueLearner}), then, with the learned optimizer on, the antithetic ES estimate, its
 * combination with the reparameterisation estimate and the clipped Adam step on w_opt.
 *
 * <p>Phase B's unrolls need what this iteration's adaptation produced (each task's adapted value
 * function), so {@link #step} takes phase B as a function: it hands over the {@link PhaseB} work
 * and gets the ES results back. The Spark job passes a function that runs them on the executors; a
 * test passes a plain one. Given the same inputs and a deterministic phase B, the step is
 * deterministic to the bit, and it has no Spark in it.
 */
public final class MetaLearner {
    private final MetricOptConfig config;
    private final ValueLearner values;

    public MetaLearner(MetricOptConfig config) {
        this.config = config;
        this.values = ValueLearner.of(config);
    }

    /** The meta-state before the first iteration: initial value function and learned optimizer. */
    public static MetaState initialState(MetricOptConfig config) {
        float[] w = ValueLearner.of(config).initialWeights(config.seed());
        MetaState state =
                new MetaState(
                                0,
                                ConfigFingerprint.of(config),
                                new java.util.TreeMap<>(),
                                new java.util.TreeMap<>())
                        .with(0, MetaState.VALUE_WEIGHTS, w);
        if (ValueFunctionConfig.ADAM.equals(config.valueFunction().metaOptimizer())) {
            state =
                    state.with(0, MetaState.VALUE_ADAM_M, new float[w.length])
                            .with(0, MetaState.VALUE_ADAM_V, new float[w.length])
                            .withCounter(MetaState.VALUE_ADAM_STEP, 0L);
        }
        if (config.learnedOptimizer().enabled()) {
            float[] lo = initialLearnedWeights(config);
            state =
                    state.with(0, MetaState.LEARNED_WEIGHTS, lo)
                            .with(0, MetaState.LEARNED_ADAM_M, new float[lo.length])
                            .with(0, MetaState.LEARNED_ADAM_V, new float[lo.length])
                            .withCounter(MetaState.LEARNED_ADAM_STEP, 0L);
        }
        return state;
    }

    /** The learned optimizer's weights before meta-training: a function of the seed. */
    public static float[] initialLearnedWeights(MetricOptConfig config) {
        return LearnedOptimizer.initialise(
                config.learnedOptimizer().hidden(), Keys.derive(config.seed(), "lo"));
    }

    /**
     * The tasks of meta-iteration {@code it}: their unroll optimizers used in turn, each at its
     * base learning rate times a multiplier drawn by the task's key, each probing the metric. A
     * function of the seed and the iteration alone, never of the meta-state.
     */
    public static List<TaskSpec> tasks(MetricOptConfig config, long it) {
        TaskSampler sampler = new TaskSampler(config);
        List<String> opts = config.metaTrain().optimizers();
        double[] multipliers = config.metaTrain().lrMultipliers();
        InnerLoopConfig inner = config.inner();
        List<TaskSpec> specs = new ArrayList<>();
        for (int i = 0; i < config.metaTrain().tasksPerIteration(); i++) {
            String opt = opts.get(i % opts.size());
            double multiplier =
                    multipliers.length == 1
                            ? multipliers[0]
                            : multipliers[
                                    Keys.rng(config.seed(), "meta-train-lr-multiplier", it, i)
                                            .nextInt(multipliers.length)];
            double lr =
                    multiplier
                            * (InnerLoopConfig.SGD.equals(opt)
                                    ? inner.sgdLearningRate()
                                    : inner.adamLearningRate());
            specs.add(
                    sampler.sample(TaskSampler.META_TRAIN, it, i)
                            .withOptimizer(opt, lr)
                            .withProbes(
                                    config.metaTrain().probePairs(),
                                    config.metaTrain().probeRadius()));
        }
        return specs;
    }

    /** What phase B evaluates: the broadcast (w_opt, scaler, adapted value functions) and units. */
    public record PhaseB(PhaseBPayload payload, List<EsUnit> units) {
        /** Antithetic pairs over all units. */
        public int pairs() {
            int n = 0;
            for (EsUnit u : units) {
                n += u.pairs();
            }
            return n;
        }
    }

    /** Phase B as the learner sees it: units in, one result per pair out (any order). */
    @FunctionalInterface
    public interface EsEvaluator {
        List<EsResult> evaluate(PhaseB work);
    }

    /**
     * One meta-iteration's outcome.
     *
     * @param state the meta-state after the iteration (its {@code iteration()} is one more)
     * @param value per task: adapted weights, GP, prior predictions and ranking figures
     * @param es phase B's figures ({@link EsStats#NONE} without the learned optimizer)
     * @param broadcastBytes bytes of the numbers phase B's payload carried (0 without phase B)
     */
    public record Step(
            MetaState state, ValueLearner.Outcome value, EsStats es, long broadcastBytes) {}

    /**
     * One meta-iteration of learning (supp. Algorithm 1 lines 4 to 9).
     *
     * @param specs the iteration's tasks, by task index
     * @param ok the iteration's successful trajectories, in task order (at least one)
     * @param phaseB runs phase B's ES pairs; called only with the learned optimizer on
     */
    public Step step(
            MetaState state, List<TaskSpec> specs, List<Trajectory> ok, EsEvaluator phaseB) {
        return step(state, specs, ok, java.util.Map.of(), phaseB);
    }

    /**
     * One meta-iteration of learning, with some or all tasks' value-function adaptations already
     * computed where they were unrolled (docs/DESIGN.md section 4.1): those are taken after a check
     * that they were adapted from this state's meta-weights; the others are adapted here. The
     * result is the same, bit for bit, wherever each adaptation ran.
     *
     * @param adapted adaptations by task index (possibly empty)
     */
    public Step step(
            MetaState state,
            List<TaskSpec> specs,
            List<Trajectory> ok,
            java.util.Map<Integer, TaskAdaptation> adapted,
            EsEvaluator phaseB) {
        long it = state.iteration();
        if (!state.has(MetaState.SCALER_MEAN)) {
            InputScaler fitted = values.fitScaler(ok);
            state =
                    state.with(it, MetaState.SCALER_MEAN, fitted.mean())
                            .with(it, MetaState.SCALER_STD, fitted.std());
        }
        InputScaler scaler =
                new InputScaler(
                        state.array(MetaState.SCALER_MEAN), state.array(MetaState.SCALER_STD));
        ValueLearner.Outcome vf = values.step(valueState(state), scaler, ok, specs, it, adapted);
        EsStats es = EsStats.NONE;
        long broadcastBytes = 0;
        if (config.learnedOptimizer().enabled()) {
            PhaseB work = phaseB(state, scaler, vf, specs, ok, it);
            EsUpdate update = esUpdate(state, phaseB.evaluate(work));
            state = update.state();
            es = update.stats();
            broadcastBytes = work.payload().bytes();
        }
        ValueLearner.State next = vf.state();
        state = state.with(it + 1, MetaState.VALUE_WEIGHTS, next.weights());
        if (state.has(MetaState.VALUE_ADAM_M)) {
            state =
                    state.with(it + 1, MetaState.VALUE_ADAM_M, next.adamM())
                            .with(it + 1, MetaState.VALUE_ADAM_V, next.adamV())
                            .withCounter(MetaState.VALUE_ADAM_STEP, next.adamStep());
        }
        return new Step(state, vf, es, broadcastBytes);
    }

    /** The value function's part of the meta-state. */
    static ValueLearner.State valueState(MetaState state) {
        return new ValueLearner.State(
                state.array(MetaState.VALUE_WEIGHTS),
                state.has(MetaState.VALUE_ADAM_M)
                        ? state.array(MetaState.VALUE_ADAM_M)
                        : new float[0],
                state.has(MetaState.VALUE_ADAM_V)
                        ? state.array(MetaState.VALUE_ADAM_V)
                        : new float[0],
                state.counters().getOrDefault(MetaState.VALUE_ADAM_STEP, 0L));
    }

    /**
     * Phase B's work: w_opt and each task's adapted value function (by task index; a task that
     * failed phase A gets empty weights), and P antithetic pairs per successful task, as one
     * population unit per task or one unit per pair. Phase B's unrolls do not probe the metric:
     * only the value function learns from it.
     */
    PhaseB phaseB(
            MetaState state,
            InputScaler scaler,
            ValueLearner.Outcome vf,
            List<TaskSpec> specs,
            List<Trajectory> ok,
            long it) {
        PhaseBPayload.AdaptedValue[] adapted = new PhaseBPayload.AdaptedValue[specs.size()];
        Arrays.fill(adapted, PhaseBPayload.AdaptedValue.NONE);
        for (ValueLearner.TaskOutcome o : vf.tasks()) {
            TaskAdaptation a = o.adaptation();
            adapted[o.trajectory().index()] =
                    new PhaseBPayload.AdaptedValue(a.adapted(), a.context(), a.offset());
        }
        PhaseBPayload payload =
                new PhaseBPayload(
                        state.array(MetaState.LEARNED_WEIGHTS),
                        scaler.mean(),
                        scaler.std(),
                        List.of(adapted));
        LearnedOptimizerConfig lo = config.learnedOptimizer();
        List<EsUnit> units = new ArrayList<>();
        for (Trajectory t : ok) {
            TaskSpec spec = specs.get(t.index()).withProbes(0, 0.0);
            if (lo.populationBatching()) {
                units.add(new EsUnit(spec, it, t.index(), 0, lo.pairsPerTask()));
            } else {
                for (int p = 0; p < lo.pairsPerTask(); p++) {
                    units.add(new EsUnit(spec, it, t.index(), p, 1));
                }
            }
        }
        return new PhaseB(payload, units);
    }

    /**
     * Phase B's figures for the metrics log.
     *
     * @param diverged unrolls whose phi or loss stopped being finite (their L_opt is the penalty)
     * @param capped unrolls whose L_opt is at learned-optimizer.divergence-penalty, the diverged
     *     ones included: when both unrolls of every pair are, the ES estimate is zero
     * @param gradient the combined gradient estimate the Adam step used
     * @param meanVariance the ES estimate's variance of the mean, averaged over coordinates
     * @param reparamVariance the same for the reparameterisation estimate (NaN when off)
     * @param esReparamCosine cosine between the two estimates (NaN when off): ES is unbiased for
     *     the smoothed objective, so a low cosine measures what the reparameterisation's
     *     truncations lose, plus its own noise
     */
    public record EsStats(
            int pairs,
            int diverged,
            int capped,
            double meanLoss,
            double[] gradient,
            double gradNorm,
            double meanVariance,
            double reparamVariance,
            double esReparamCosine,
            long bytes,
            long executorNanos) {
        public static final EsStats NONE =
                new EsStats(
                        0,
                        0,
                        0,
                        Double.NaN,
                        new double[0],
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        0L,
                        0L);
    }

    /** The learned optimizer's next meta-state and phase B's figures. */
    public record EsUpdate(MetaState state, EsStats stats) {}

    /**
     * Driver side of phase B (docs/DESIGN.md section 4, step 4): regenerates every pair's ε from
     * its key (and refuses a pair evaluated with another one, or with a non-finite loss), forms the
     * antithetic ES estimate (supp. Eq. 3), combines it per coordinate with the reparameterisation
     * estimate by inverse running variances from earlier iterations, updates those, and takes a
     * clipped Adam step on w_opt. Results are aggregated in the order given.
     */
    public EsUpdate esUpdate(MetaState state, List<EsResult> results) {
        LearnedOptimizerConfig lo = config.learnedOptimizer();
        float[] wOpt = state.array(MetaState.LEARNED_WEIGHTS);
        double sigma = Math.sqrt(lo.sigmaSquared());
        List<double[]> samples = new ArrayList<>();
        List<double[]> reparamSamples = new ArrayList<>();
        long bytes = 0;
        long executorNanos = 0;
        int diverged = 0;
        int capped = 0;
        double lossSum = 0;
        for (EsResult r : results) {
            float[] eps =
                    Perturbations.epsilon(
                            config.seed(), r.iteration(), r.task(), r.pair(), wOpt.length);
            if (Perturbations.hash(eps) != r.epsilonHash()) {
                throw badPair(
                        r,
                        "was evaluated with another perturbation than the driver regenerates"
                                + " from its key");
            }
            if (!Double.isFinite(r.lossPlus()) || !Double.isFinite(r.lossMinus())) {
                // Executors replace a diverged unroll's NaN by the bounded penalty; anything else
                // is a bug, and must not reach the aggregate, the Adam step or a checkpoint.
                throw badPair(
                        r,
                        "returned a non-finite loss ("
                                + r.lossPlus()
                                + ", "
                                + r.lossMinus()
                                + "); refusing to aggregate it");
            }
            samples.add(Estimators.antitheticSample(eps, r.lossPlus(), r.lossMinus(), sigma));
            for (float[] g : new float[][] {r.reparamPlus(), r.reparamMinus()}) {
                if (g.length == wOpt.length) {
                    reparamSamples.add(Stats.toDouble(g));
                }
            }
            bytes += r.wireBytes();
            executorNanos += r.computeNanos();
            diverged += r.diverged();
            capped +=
                    (r.lossPlus() >= lo.divergencePenalty() ? 1 : 0)
                            + (r.lossMinus() >= lo.divergencePenalty() ? 1 : 0);
            lossSum += 0.5 * (r.lossPlus() + r.lossMinus());
        }
        if (samples.isEmpty()) {
            throw new MetricOptException(
                    ErrorClass.INTERNAL,
                    "phase B of meta-iteration " + state.iteration() + " returned no ES pair");
        }
        Estimators.Batch batch = Estimators.batch(samples);
        double[] gradient = batch.mean();
        double rpVar = Double.NaN;
        double cosine = Double.NaN;
        MetaState withVariances = state;
        if (!reparamSamples.isEmpty()) {
            // Weights from earlier iterations' running variances, independent of this batch, so
            // the combination stays unbiased; then this batch's variances join the running ones.
            Estimators.Batch rp = Estimators.batch(reparamSamples);
            cosine = Stats.cosine(batch.mean(), rp.mean());
            RunningVariance es = RunningVariance.of(state, MetaState.LEARNED_VAR_ES, wOpt.length);
            RunningVariance re = RunningVariance.of(state, MetaState.LEARNED_VAR_RP, wOpt.length);
            gradient = Estimators.combine(batch, rp, es.estimate(), re.estimate());
            rpVar = 0;
            for (int i = 0; i < wOpt.length; i++) {
                rpVar += rp.varianceOfMean()[i] / wOpt.length;
            }
            withVariances =
                    re.update(rp.varianceOfMean())
                            .store(
                                    es.update(batch.varianceOfMean())
                                            .store(state, MetaState.LEARNED_VAR_ES),
                                    MetaState.LEARNED_VAR_RP);
        }
        double norm = 0;
        double var = 0;
        for (int i = 0; i < gradient.length; i++) {
            norm += gradient[i] * gradient[i];
            var += batch.varianceOfMean()[i];
        }
        long step = state.counters().getOrDefault(MetaState.LEARNED_ADAM_STEP, 0L) + 1;
        MetaAdam.Result upd =
                MetaAdam.step(
                        wOpt,
                        state.array(MetaState.LEARNED_ADAM_M),
                        state.array(MetaState.LEARNED_ADAM_V),
                        gradient,
                        step,
                        lo.metaLearningRate(),
                        lo.clip());
        MetaState next =
                withVariances
                        .with(state.iteration(), MetaState.LEARNED_WEIGHTS, upd.weights())
                        .with(state.iteration(), MetaState.LEARNED_ADAM_M, upd.m())
                        .with(state.iteration(), MetaState.LEARNED_ADAM_V, upd.v())
                        .withCounter(MetaState.LEARNED_ADAM_STEP, step);
        return new EsUpdate(
                next,
                new EsStats(
                        results.size(),
                        diverged,
                        capped,
                        lossSum / results.size(),
                        gradient,
                        Math.sqrt(norm),
                        var / batch.mean().length,
                        rpVar,
                        cosine,
                        bytes,
                        executorNanos));
    }

    private static MetricOptException badPair(EsResult r, String what) {
        return new MetricOptException(
                ErrorClass.INTERNAL,
                "ES pair (iteration "
                        + r.iteration()
                        + ", task "
                        + r.task()
                        + ", pair "
                        + r.pair()
                        + ") "
                        + what);
    }
}
