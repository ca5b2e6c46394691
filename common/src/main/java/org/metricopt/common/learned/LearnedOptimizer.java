package org.metricopt.common.learned;

import java.util.SplittableRandom;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.unroll.PhiOptimizer;

/**
 * The learned optimizer m_wopt (supp. Eq. 1; per coordinate as in Metz et al. 2019): a small MLP
 * applied to every coordinate i of phi with inputs
 *
 * <ol>
 *   <li>g_i / sqrt(v_i + eps): the gradient, normalised by its running second moment,
 *   <li>gbar_i / sqrt(v_i + eps): its running average (beta 0.9), normalised the same way,
 *   <li>phi_i,
 *   <li>loss_t / loss_0 and M_t / M_0: the scale-normalised loss and metric,
 *   <li>(loss_t - lbar_t) / lbar_t and (M_t - Mbar_t) / Mbar_t: relative changes against moving
 *       averages (beta 0.9),
 * </ol>
 *
 * and two outputs (o1, o2): direction {@code u_i = -gbar_i/sqrt(v_i+eps) + o1} and step size {@code
 * alpha_i = alpha_0 exp(clamp(o2))}, so {@code phi_{t+1} = phi_t + alpha u}. The residual around a
 * normalised-momentum step means a zero network is a sensible optimizer to start from.
 *
 * <p>M_t is whatever {@link #observe} last reported: the observed validation metric at meta-test,
 * or the adapted value function's prediction during meta-training. Forward pass in plain Java on
 * floats: it is tiny, and exact on every platform.
 */
public final class LearnedOptimizer implements PhiOptimizer {
    public static final int FEATURES = 7;

    /** Decay of the running gradient average gbar. */
    public static final double B1 = 0.9;

    /** Decay of the running second moment v. */
    public static final double B2 = 0.999;

    /** Added to the normalising root mean square. */
    public static final double EPS = 1e-8;

    /** o2 is clamped to [-MAX_LOG_STEP, MAX_LOG_STEP] before the exponential. */
    public static final double MAX_LOG_STEP = 5.0;

    private final float[] w;
    private final int hidden;
    private final double baseStep;
    private final double[] gbar;
    private final double[] v;
    private double loss0 = Double.NaN;
    private double lossAvg = Double.NaN;
    private double metric = Double.NaN;
    private double metric0 = Double.NaN;
    private double metricAvg = Double.NaN;

    public LearnedOptimizer(float[] weights, int hidden, double baseStep, int dim) {
        if (weights.length != size(hidden)) {
            throw new IllegalArgumentException(
                    "learned-optimizer weights have "
                            + weights.length
                            + " numbers; hidden = "
                            + hidden
                            + " needs "
                            + size(hidden));
        }
        this.w = weights;
        this.hidden = hidden;
        this.baseStep = baseStep;
        this.gbar = new double[dim];
        this.v = new double[dim];
    }

    public static int size(int hidden) {
        return FEATURES * hidden + hidden + hidden * 2 + 2;
    }

    /** Small random hidden weights and a zero output layer: starts as normalised momentum. */
    public static float[] initialise(int hidden, long seed) {
        float[] w = new float[size(hidden)];
        SplittableRandom rng = Keys.rng(seed, "learned-optimizer-init");
        double limit = Math.sqrt(6.0 / (FEATURES + hidden));
        for (int i = 0; i < FEATURES * hidden; i++) {
            w[i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
        }
        return w;
    }

    @Override
    public void observe(int t, double observedMetric, float[] phi) {
        setMetric(observedMetric);
    }

    /** Sets M_t, the metric input of the next steps. */
    public void setMetric(double m) {
        if (!Double.isFinite(m)) {
            return;
        }
        metric = m;
        if (Double.isNaN(metric0)) {
            metric0 = Math.max(m, 1e-6);
            metricAvg = m;
        }
    }

    @Override
    public void step(float[] phi, float[] grad, int t) {
        step(phi, grad, Double.NaN, t);
    }

    @Override
    public void step(float[] phi, float[] grad, double loss, int t) {
        double lossN = 1.0;
        double lossDelta = 0.0;
        if (Double.isFinite(loss)) {
            if (Double.isNaN(loss0)) {
                loss0 = Math.max(loss, 1e-6);
                lossAvg = loss;
            }
            lossN = loss / loss0;
            lossDelta = (loss - lossAvg) / Math.max(lossAvg, 1e-6);
            lossAvg = 0.9 * lossAvg + 0.1 * loss;
        }
        double metricN = Double.isNaN(metric) ? 1.0 : metric / metric0;
        double metricDelta =
                Double.isNaN(metric) ? 0.0 : (metric - metricAvg) / Math.max(metricAvg, 1e-6);
        if (!Double.isNaN(metric)) {
            metricAvg = 0.9 * metricAvg + 0.1 * metric;
        }
        double c1 = 1 - Math.pow(B1, t + 1);
        double c2 = 1 - Math.pow(B2, t + 1);
        double[] x = new double[FEATURES];
        double[] h = new double[hidden];
        int b1 = FEATURES * hidden;
        int w2 = b1 + hidden;
        int b2 = w2 + 2 * hidden;
        for (int i = 0; i < phi.length; i++) {
            gbar[i] = B1 * gbar[i] + (1 - B1) * grad[i];
            v[i] = B2 * v[i] + (1 - B2) * grad[i] * grad[i];
            double rms = Math.sqrt(v[i] / c2) + EPS;
            x[0] = grad[i] / rms;
            x[1] = gbar[i] / c1 / rms;
            x[2] = phi[i];
            x[3] = lossN;
            x[4] = metricN;
            x[5] = lossDelta;
            x[6] = metricDelta;
            double o1 = w[b2];
            double o2 = w[b2 + 1];
            for (int j = 0; j < hidden; j++) {
                double a = w[b1 + j];
                for (int k = 0; k < FEATURES; k++) {
                    a += x[k] * w[k * hidden + j];
                }
                h[j] = Math.tanh(a);
                o1 += h[j] * w[w2 + 2 * j];
                o2 += h[j] * w[w2 + 2 * j + 1];
            }
            double step = baseStep * Math.exp(Math.max(-MAX_LOG_STEP, Math.min(MAX_LOG_STEP, o2)));
            double u = -x[1] + o1;
            phi[i] = (float) (phi[i] + step * u);
        }
    }
}
