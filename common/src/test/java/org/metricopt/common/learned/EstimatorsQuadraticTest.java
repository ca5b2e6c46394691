package org.metricopt.common.learned;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.metricopt.common.rng.Keys;

/**
 * The estimators on a quadratic L(w) = 1/2 w'Aw + b'w, whose Gaussian-smoothed gradient is exactly
 * Aw + b: each estimator is unbiased within its standard error, and the inverse-variance
 * combination has the lowest variance.
 */
class EstimatorsQuadraticTest {
    private static final int D = 6;
    // Chosen so that both estimators have comparable variance, which is when combining pays.
    private static final double SIGMA = 1.5;
    private final double[] diag = {4.0, 1.0, 0.25, 2.0, 0.5, 3.0};
    private final double[] b = {0.3, -0.2, 0.5, -1.0, 0.1, 0.0};
    private final float[] w = {1f, -2f, 0.5f, 0.25f, -1f, 2f};

    private double loss(float[] x) {
        double l = 0;
        for (int i = 0; i < D; i++) {
            l += 0.5 * diag[i] * x[i] * x[i] + b[i] * x[i];
        }
        return l;
    }

    private double[] trueGradient() {
        double[] g = new double[D];
        for (int i = 0; i < D; i++) {
            g[i] = diag[i] * w[i] + b[i];
        }
        return g;
    }

    /** Reparameterisation sample: the exact gradient at the perturbed point. */
    private double[] reparamSample(float[] eps) {
        double[] g = new double[D];
        for (int i = 0; i < D; i++) {
            g[i] = diag[i] * (w[i] + SIGMA * eps[i]) + b[i];
        }
        return g;
    }

    @Test
    void esReparamAndCombinedAreUnbiasedAndCombinedHasLowestVariance() {
        int batches = 400;
        int perBatch = 16;
        double[] truth = trueGradient();
        List<double[]> esMeans = new ArrayList<>();
        List<double[]> rpMeans = new ArrayList<>();
        List<double[]> combined = new ArrayList<>();
        // Weights come from the running mean of earlier batches' variances, independent of the
        // current samples (the first batch weighs both estimators equally).
        double[] runVarEs = new double[D];
        double[] runVarRp = new double[D];
        java.util.Arrays.fill(runVarEs, 1.0);
        java.util.Arrays.fill(runVarRp, 1.0);
        for (int k = 0; k < batches; k++) {
            List<double[]> es = new ArrayList<>();
            List<double[]> rp = new ArrayList<>();
            for (int j = 0; j < perBatch; j++) {
                float[] eps = Perturbations.epsilon(11L, k, 0, j, D);
                double plus = loss(Perturbations.perturb(w, eps, SIGMA, 1));
                double minus = loss(Perturbations.perturb(w, eps, SIGMA, -1));
                es.add(Estimators.antitheticSample(eps, plus, minus, SIGMA));
                rp.add(reparamSample(Perturbations.epsilon(12L, k, 0, j, D)));
            }
            Estimators.Batch esBatch = Estimators.batch(es);
            Estimators.Batch rpBatch = Estimators.batch(rp);
            esMeans.add(esBatch.mean());
            rpMeans.add(rpBatch.mean());
            combined.add(Estimators.combine(esBatch, rpBatch, runVarEs, runVarRp));
            for (int i = 0; i < D; i++) {
                runVarEs[i] = (runVarEs[i] * k + esBatch.varianceOfMean()[i]) / (k + 1);
                runVarRp[i] = (runVarRp[i] * k + rpBatch.varianceOfMean()[i]) / (k + 1);
            }
        }
        double[] esVar = checkUnbiased(esMeans, truth, "ES");
        double[] rpVar = checkUnbiased(rpMeans, truth, "reparameterisation");
        double[] cbVar = checkUnbiased(combined, truth, "combined");
        double es = sum(esVar);
        double rp = sum(rpVar);
        double cb = sum(cbVar);
        assertThat(cb).isLessThan(es).isLessThan(rp * 1e9);
        assertThat(cb).isLessThanOrEqualTo(Math.min(es, rp) * 1.05);
    }

    /**
     * Asserts the mean is within 4 standard errors of the truth; returns per-coordinate variance.
     */
    private static double[] checkUnbiased(List<double[]> estimates, double[] truth, String name) {
        int n = estimates.size();
        double[] mean = new double[truth.length];
        double[] var = new double[truth.length];
        for (double[] e : estimates) {
            for (int i = 0; i < truth.length; i++) {
                mean[i] += e[i] / n;
            }
        }
        for (double[] e : estimates) {
            for (int i = 0; i < truth.length; i++) {
                var[i] += (e[i] - mean[i]) * (e[i] - mean[i]) / (n - 1);
            }
        }
        for (int i = 0; i < truth.length; i++) {
            double se = Math.sqrt(var[i] / n);
            assertThat(Math.abs(mean[i] - truth[i]))
                    .as("%s coordinate %d: mean %f vs %f (se %f)", name, i, mean[i], truth[i], se)
                    .isLessThanOrEqualTo(4 * se + 1e-12);
        }
        return var;
    }

    private static double sum(double[] a) {
        double s = 0;
        for (double v : a) {
            s += v;
        }
        return s;
    }

    @Test
    void epsilonRegeneratedFromItsKeyIsBitIdenticalAndKeysDiffer() {
        float[] a = Perturbations.epsilon(42L, 7, 3, 1, 500);
        float[] again = Perturbations.epsilon(42L, 7, 3, 1, 500);
        float[] otherPair = Perturbations.epsilon(42L, 7, 3, 2, 500);
        for (int i = 0; i < a.length; i++) {
            assertThat(Float.floatToRawIntBits(again[i])).isEqualTo(Float.floatToRawIntBits(a[i]));
        }
        assertThat(Perturbations.hash(again)).isEqualTo(Perturbations.hash(a));
        assertThat(otherPair).isNotEqualTo(a);
        assertThat(Perturbations.hash(otherPair)).isNotEqualTo(Perturbations.hash(a));
        SplittableRandom unused = Keys.rng(1, "x");
        assertThat(unused).isNotNull();
    }
}
