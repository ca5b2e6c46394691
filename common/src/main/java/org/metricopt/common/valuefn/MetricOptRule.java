package org.metricopt.common.valuefn;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.interp.GaussianProcess;
import org.metricopt.common.interp.Interpolation;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.unroll.PhiOptimizer;

/**
 * MetricOpt (SGD) and MetricOpt (Adam) at meta-test (DESIGN.md section 3): the base optimizer
 * receives {@code g = grad loss + lambda_v * (|grad loss| / |grad f|) * grad_phi f(phi_t)}, where f
 * starts from the meta-learned value function and is adapted online: at every metric observation
 * the GP is refitted on the metrics seen so far and f takes a few L_v steps on the trajectory so
 * far. Owns native memory: close it after the unroll.
 */
public final class MetricOptRule implements PhiOptimizer, AutoCloseable {
    private final PhiOptimizer base;
    private final ValueFunction valueFunction;
    private final ValueFunctionConfig config;
    private final NDManager manager;
    private final GaussianProcess gp = GaussianProcess.defaults();
    private final SplittableRandom rng;
    private final List<float[]> history = new ArrayList<>();
    private final List<Integer> observedSteps = new ArrayList<>();
    private final List<Double> observedValues = new ArrayList<>();
    private final float[] valueGrad;
    private final float[] combined;

    public MetricOptRule(
            PhiOptimizer base,
            float[] metaWeights,
            InputScaler scaler,
            int adapterDim,
            ValueFunctionConfig config,
            long taskSeed) {
        this.base = base;
        this.config = config;
        this.manager = NDManager.newBaseManager();
        try {
            this.valueFunction =
                    new ValueFunction(manager, adapterDim, config.hidden(), scaler, metaWeights);
        } catch (RuntimeException e) {
            // Nobody can close a rule that was never built: release its manager here.
            manager.close();
            throw e;
        }
        this.rng = Keys.rng(taskSeed, "metricopt-online-pairs");
        this.valueGrad = new float[adapterDim];
        this.combined = new float[adapterDim];
    }

    @Override
    public void observe(int t, double metric, float[] phi) {
        observedSteps.add(t);
        observedValues.add(metric);
        if (observedSteps.size() < 2) {
            return;
        }
        int[] steps = observedSteps.stream().mapToInt(Integer::intValue).toArray();
        double[] values = observedValues.stream().mapToDouble(Double::doubleValue).toArray();
        Interpolation interp = gp.interpolate(steps, values, t);
        int d = phi.length;
        float[] phis = new float[(t + 1) * d];
        for (int s = 0; s < t; s++) {
            System.arraycopy(history.get(s), 0, phis, s * d, d);
        }
        System.arraycopy(phi, 0, phis, t * d, d);
        valueFunction.adapt(phis, interp.mean(), interp.std(), config, rng);
    }

    @Override
    public void step(float[] phi, float[] grad, int t) {
        history.add(phi.clone());
        valueFunction.valueAndGradient(phi, valueGrad);
        double gn = norm(grad);
        double vn = norm(valueGrad);
        double scale = vn > 0 ? config.lambda() * gn / vn : 0.0;
        for (int i = 0; i < grad.length; i++) {
            combined[i] = (float) (grad[i] + scale * valueGrad[i]);
        }
        base.step(phi, combined, t);
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
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
