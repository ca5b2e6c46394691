package org.metricopt.common.learned;

import java.util.List;

/**
 * Gradient estimators of the Gaussian-smoothed objective E_{w~N(w, sigma^2 I)} L(w) (supp. Eq. 3)
 * and their combination (Metz et al. 2019): per coordinate, each estimator's batch mean is weighted
 * by the inverse of its batch variance (of the mean).
 */
public final class Estimators {
    private Estimators() {}

    /** One antithetic ES sample: (L(w + sigma e) - L(w - sigma e)) e / (2 sigma). */
    public static double[] antitheticSample(
            float[] epsilon, double lossPlus, double lossMinus, double sigma) {
        double[] g = new double[epsilon.length];
        double c = (lossPlus - lossMinus) / (2 * sigma);
        for (int i = 0; i < g.length; i++) {
            g[i] = c * epsilon[i];
        }
        return g;
    }

    /** Per-coordinate mean and variance of the mean of a batch of gradient samples. */
    public record Batch(double[] mean, double[] varianceOfMean) {}

    public static Batch batch(List<double[]> samples) {
        int n = samples.size();
        int d = samples.get(0).length;
        double[] mean = new double[d];
        for (double[] s : samples) {
            for (int i = 0; i < d; i++) {
                mean[i] += s[i] / n;
            }
        }
        double[] var = new double[d];
        if (n > 1) {
            for (double[] s : samples) {
                for (int i = 0; i < d; i++) {
                    double dv = s[i] - mean[i];
                    var[i] += dv * dv / (n - 1);
                }
            }
            for (int i = 0; i < d; i++) {
                var[i] /= n;
            }
        } else {
            java.util.Arrays.fill(var, Double.POSITIVE_INFINITY);
        }
        return new Batch(mean, var);
    }

    /**
     * Inverse-variance combination with weights from variances estimated elsewhere (for example a
     * running average over earlier batches). Weights that do not depend on the current samples keep
     * the combination unbiased; weights from the same samples correlate with the means (for ES, a
     * large |mean| comes with a large spread) and bias it, which the quadratic test showed.
     */
    public static double[] combine(
            Batch a, Batch b, double[] varianceOfMeanA, double[] varianceOfMeanB) {
        return combine(new Batch(a.mean(), varianceOfMeanA), new Batch(b.mean(), varianceOfMeanB));
    }

    /**
     * Inverse-variance combination of two estimators per coordinate, using each batch's own
     * variances (biased when the variances are estimated from the same samples; see above). A
     * coordinate where one estimator's variance is zero or infinite falls back to the other
     * estimator.
     */
    public static double[] combine(Batch a, Batch b) {
        int d = a.mean().length;
        double[] out = new double[d];
        for (int i = 0; i < d; i++) {
            double va = a.varianceOfMean()[i];
            double vb = b.varianceOfMean()[i];
            double wa = va > 0 && Double.isFinite(va) ? 1 / va : (va == 0 ? Double.MAX_VALUE : 0);
            double wb = vb > 0 && Double.isFinite(vb) ? 1 / vb : (vb == 0 ? Double.MAX_VALUE : 0);
            if (wa == 0 && wb == 0) {
                out[i] = 0.5 * (a.mean()[i] + b.mean()[i]);
            } else if (wa == Double.MAX_VALUE || wb == Double.MAX_VALUE) {
                out[i] = wa == Double.MAX_VALUE ? a.mean()[i] : b.mean()[i];
            } else {
                out[i] = (wa * a.mean()[i] + wb * b.mean()[i]) / (wa + wb);
            }
        }
        return out;
    }
}
