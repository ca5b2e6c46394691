package org.metricopt.common.valuefn;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.unroll.PhiOptimizer;

/**
 * MetricOpt (SGD) and MetricOpt (Adam) at meta-test (docs/DESIGN.md section 3.4): the base
 * optimizer receives {@code g = grad loss + lambda_v * (|grad loss| / |grad f|) * grad_phi f(phi_t,
 * c)}, where f starts from the meta-learned value function and, unless {@code online-adapt-steps}
 * is 0, is adapted online: at every metric observation the GP is refitted on the metrics seen so
 * far and f takes a few L_v steps on the trajectory so far. Owns native memory: close it after the
 * unroll.
 */
public final class MetricOptRule implements PhiOptimizer, PhiOptimizer.ValueGuided, AutoCloseable {
    private final PhiOptimizer base;
    private final ValueLearner learner;
    private final ValueFunction valueFunction;
    private final InputScaler scaler;
    private final String family;
    private final double lambda;
    private final boolean project;
    private final NDManager manager;
    private final SplittableRandom rng;
    private final List<float[]> history = new ArrayList<>();
    private final List<Integer> observedSteps = new ArrayList<>();
    private final List<Double> observedValues = new ArrayList<>();
    private final float[] valueGrad;
    private final float[] combined;
    private float[] features = new float[TaskFeatures.SIZE];
    private float[] context;
    private double initialMetric = Double.NaN;

    /**
     * @param learner the run's value learner (configuration, context layout, interpolation)
     * @param family the task's family (the context's one-hot)
     * @param lambda lambda_v, the weight of the norm-matched value-function gradient
     */
    public MetricOptRule(
            PhiOptimizer base,
            ValueLearner learner,
            float[] metaWeights,
            InputScaler scaler,
            int adapterDim,
            String family,
            double lambda,
            long taskSeed) {
        this.base = base;
        this.learner = learner;
        this.scaler = scaler;
        this.family = family;
        this.lambda = lambda;
        this.project = ValueFunctionConfig.PROJECT.equals(learner.config().combination());
        this.manager = NDManager.newBaseManager();
        try {
            this.valueFunction =
                    new ValueFunction(
                            manager,
                            learner.inputs(),
                            adapterDim,
                            learner.config().hidden(),
                            scaler,
                            metaWeights);
        } catch (RuntimeException e) {
            // Nobody can close a rule that was never built: release its manager here.
            manager.close();
            throw e;
        }
        this.rng = Keys.rng(taskSeed, "metricopt-online-pairs");
        this.valueGrad = new float[adapterDim];
        this.combined = new float[adapterDim];
        this.context = learner.context(family, Double.NaN, features, scaler);
    }

    @Override
    public void begin(float[] taskFeatures) {
        this.features = taskFeatures.clone();
        this.context = learner.context(family, initialMetric, features, scaler);
    }

    @Override
    public void observe(int t, double metric, float[] phi) {
        observedSteps.add(t);
        observedValues.add(metric);
        if (Double.isNaN(initialMetric)) {
            initialMetric = metric;
            context = learner.context(family, initialMetric, features, scaler);
        }
        int adaptSteps = learner.config().onlineAdaptSteps();
        if (observedSteps.size() < 2 || adaptSteps == 0) {
            return;
        }
        int[] steps = observedSteps.stream().mapToInt(Integer::intValue).toArray();
        double[] values = observedValues.stream().mapToDouble(Double::doubleValue).toArray();
        Interpolation interp = learner.interpolate(steps, values, t);
        int d = phi.length;
        float[] phis = new float[(t + 1) * d];
        for (int s = 0; s < t; s++) {
            System.arraycopy(history.get(s), 0, phis, s * d, d);
        }
        System.arraycopy(phi, 0, phis, t * d, d);
        valueFunction.adapt(
                learner.pathData(phis, interp, steps, values, context, initialMetric),
                adaptSteps,
                learner.config().onlineAdaptLearningRate(),
                learner.config(),
                rng);
    }

    /**
     * MetricOpt's update direction (docs/DESIGN.md section 3.4), also used by its controls: {@code
     * out = grad + lambda * (|grad| / |direction|) * direction}, the direction norm-matched to the
     * loss gradient. With {@code project}, a loss gradient whose descent step -g would raise the
     * predicted metric ({@code <g, direction> < 0}) first loses its component along the direction.
     */
    static void combine(
            float[] grad, float[] direction, double lambda, boolean project, float[] out) {
        double gn = Stats.norm(grad);
        double vn = Stats.norm(direction);
        double scale = vn > 0 ? lambda * gn / vn : 0.0;
        double dot = 0;
        for (int i = 0; i < grad.length; i++) {
            dot += (double) grad[i] * direction[i];
        }
        double remove = project && dot < 0 && vn > 0 ? dot / (vn * vn) : 0.0;
        for (int i = 0; i < grad.length; i++) {
            out[i] = (float) (grad[i] - remove * direction[i] + scale * direction[i]);
        }
    }

    @Override
    public void step(float[] phi, float[] grad, int t) {
        history.add(phi.clone());
        valueFunction.valueAndGradient(Inputs.row(phi, context), valueGrad);
        combine(grad, valueGrad, lambda, project, combined);
        base.step(phi, combined, t);
    }

    @Override
    public float[] valueGradient(float[] phi) {
        float[] g = new float[phi.length];
        valueFunction.valueAndGradient(Inputs.row(phi, context), g);
        return g;
    }

    /**
     * f(phi_t) = M_0 + g([phi_t, c]) (residual) or g([phi_t, c]) for the phi_t concatenated in
     * {@code phis}, with the value function as adapted so far.
     */
    public float[] predict(float[] phis) {
        float[] g = valueFunction.predict(phis, context);
        double offset = learner.offset(initialMetric);
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (g[i] + (Double.isFinite(offset) ? offset : 0.0));
        }
        return g;
    }

    /** The online-adapted value-function weights (for tests and diagnostics). */
    public float[] adaptedWeights() {
        return valueFunction.weights();
    }

    @Override
    public void close() {
        manager.close();
    }
}
