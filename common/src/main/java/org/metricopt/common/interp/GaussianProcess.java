package org.metricopt.common.interp;

import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.ArrayRealVector;
import org.apache.commons.math3.linear.CholeskyDecomposition;
import org.apache.commons.math3.linear.NonPositiveDefiniteMatrixException;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.linear.RealVector;

/**
 * Gaussian-process regression of a metric over the step index: turns the K sparse metric
 * observations {(t_k, M_k)} of an unroll into a dense posterior mean M̂_t and standard deviation
 * σ̂_t for t = 0..T (supplementary Algorithm 1, line 4: the GP densifies the K sparse metric
 * observations so the value function can be regressed on every step of the trajectory).
 *
 * <p><b>Model.</b> M(t) = m + f(t) + ε with a constant prior mean m equal to the mean of the
 * observations (so far from every observation the curve reverts to the data mean), f ~ GP(0, k)
 * with the squared-exponential kernel k(a, b) = s² exp(−(a − b)² / (2ℓ²)), and Gaussian observation
 * noise ε ~ N(0, σn²). A jitter of {@value #JITTER_RATIO}·s² is added to the diagonal of the
 * covariance for numerical safety. σ̂_t is the standard deviation of the latent f(t), i.e.
 * sqrt(max(0, var)), without the observation noise unless {@link Builder#optIncludeNoise} is set.
 *
 * <p><b>Hyperparameters.</b> Step indices are rescaled to [0, 1] (divided by T) before any kernel
 * is evaluated, which keeps the covariance matrix well conditioned whatever T is, and the
 * covariance is factorised (Commons Math {@link CholeskyDecomposition}) in units of s², so its
 * diagonal is close to 1 whatever the scale of the metric. ℓ, s² and σn² are chosen by maximising
 * the log marginal likelihood log p(y | ℓ, s², σn²) over a small deterministic grid, visited in a
 * fixed order; the first maximum wins:
 *
 * <ul>
 *   <li>ℓ ∈ {0.5, 1, 2, 4, 8} × the median spacing of the observed steps, or only {@link
 *       Builder#optFixedLengthScaleSteps} when that is set;
 *   <li>s² ∈ {0.25, 1, 4} × the sample variance of the observations (denominator K − 1), floored at
 *       {@link Builder#optMinSignalVariance} (default {@value #DEFAULT_MIN_SIGNAL_VARIANCE}) so
 *       that constant observations still give a proper, narrow posterior;
 *   <li>σn² ∈ {1e-6, 1e-3, 1e-2} × s², or only {@link Builder#optFixedNoiseVariance} when that is
 *       set.
 * </ul>
 *
 * The grids are configurable through the builder. A grid rather than a gradient-based optimiser:
 * with K ≈ 5% of T observations the likelihood surface is flat and multi-modal, the 45 grid points
 * share 15 Cholesky factorisations (s² enters the likelihood in closed form, since the noise is a
 * ratio of s²), which for K up to a few hundred takes milliseconds, and the result is reproducible
 * by construction.
 *
 * <p><b>One observation.</b> Nothing is known about the shape of the curve, so the mean is that
 * value at every step and σ̂_t is the constant prior standard deviation {@value
 * #SINGLE_OBSERVATION_RELATIVE_STD}·|M| + {@value #SINGLE_OBSERVATION_ABSOLUTE_STD}: wide relative
 * to the value, with an absolute floor for metrics at 0 (metrics are normalised, lower is better,
 * mostly within [0, 1]). No observation at all is an error.
 *
 * <p><b>Determinism.</b> The same configuration and input give bit-identical output on every
 * platform: the kernel uses {@link StrictMath}, sums run in a fixed order, and the grid is visited
 * in a fixed order with strict comparison.
 *
 * <p>Instances are immutable, thread-safe and serialisable; create them with {@link #builder()} or
 * {@link #defaults()}.
 */
public final class GaussianProcess implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Jitter added to the diagonal of the covariance, as a fraction of the signal variance s². */
    public static final double JITTER_RATIO = 1e-9;

    /** Default floor of the sample variance from which the s² grid is built. */
    public static final double DEFAULT_MIN_SIGNAL_VARIANCE = 1e-10;

    /** With one observation M, σ̂ = {@value}·|M| + {@link #SINGLE_OBSERVATION_ABSOLUTE_STD}. */
    public static final double SINGLE_OBSERVATION_RELATIVE_STD = 0.5;

    /** With one observation M, σ̂ = {@link #SINGLE_OBSERVATION_RELATIVE_STD}·|M| + {@value}. */
    public static final double SINGLE_OBSERVATION_ABSOLUTE_STD = 0.05;

    private static final double[] DEFAULT_LENGTH_SCALE_MULTIPLIERS = {0.5, 1, 2, 4, 8};
    private static final double[] DEFAULT_SIGNAL_VARIANCE_MULTIPLIERS = {0.25, 1, 4};
    private static final double[] DEFAULT_NOISE_RATIOS = {1e-6, 1e-3, 1e-2};
    private static final double LOG_TWO_PI = StrictMath.log(2 * Math.PI);

    private static final GaussianProcess DEFAULTS = builder().build();

    private final double[] lengthScaleMultipliers;
    private final double[] signalVarianceMultipliers;
    private final double[] noiseRatios;
    private final double fixedLengthScaleSteps;
    private final boolean noiseFixed;
    private final double fixedNoiseVariance;
    private final double minSignalVariance;
    private final boolean includeNoise;

    private GaussianProcess(Builder builder) {
        this.lengthScaleMultipliers = builder.lengthScaleMultipliers.clone();
        this.signalVarianceMultipliers = builder.signalVarianceMultipliers.clone();
        this.noiseRatios = builder.noiseRatios.clone();
        this.fixedLengthScaleSteps = builder.fixedLengthScaleSteps;
        this.noiseFixed = builder.noiseFixed;
        this.fixedNoiseVariance = builder.fixedNoiseVariance;
        this.minSignalVariance = builder.minSignalVariance;
        this.includeNoise = builder.includeNoise;
    }

    /** Returns a builder initialised with the defaults described in the class documentation. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the GP with every option at its default. */
    public static GaussianProcess defaults() {
        return DEFAULTS;
    }

    /**
     * Interpolates sparse metric observations onto every step 0..T, choosing the hyperparameters by
     * maximum marginal likelihood over the grid (see the class documentation).
     *
     * @param steps observed step indices, strictly increasing, within [0, horizonT]; not empty
     * @param values observed metric values, finite, one per step
     * @param horizonT the last step T of the unroll
     * @return M̂_t and σ̂_t for t = 0..T
     * @throws IllegalArgumentException naming the offending index when the input is invalid
     */
    public Interpolation interpolate(int[] steps, double[] values, int horizonT) {
        validate(steps, values, horizonT);
        if (steps.length == 1) {
            double[] mean = new double[horizonT + 1];
            double[] std = new double[horizonT + 1];
            Arrays.fill(mean, values[0]);
            Arrays.fill(
                    std,
                    SINGLE_OBSERVATION_RELATIVE_STD * Math.abs(values[0])
                            + SINGLE_OBSERVATION_ABSOLUTE_STD);
            return new Interpolation(mean, std);
        }
        return predict(steps, values, horizonT, fitValidated(steps, values, horizonT));
    }

    /**
     * Interpolates with the given hyperparameters instead of fitting them; the prior mean is still
     * the mean of the observations. Works with a single observation, too.
     *
     * @throws IllegalArgumentException naming the offending index when the input is invalid
     */
    public Interpolation interpolate(
            int[] steps, double[] values, int horizonT, GpHyperparameters hyperparameters) {
        Objects.requireNonNull(hyperparameters, "hyperparameters must not be null");
        validate(steps, values, horizonT);
        return predict(steps, values, horizonT, hyperparameters);
    }

    /**
     * Chooses ℓ, s² and σn² by maximising the log marginal likelihood over the grid described in
     * the class documentation.
     *
     * @throws IllegalArgumentException when the input is invalid or has fewer than two observations
     *     (one observation says nothing about a length-scale)
     */
    public GpHyperparameters fit(int[] steps, double[] values, int horizonT) {
        validate(steps, values, horizonT);
        if (steps.length < 2) {
            throw new IllegalArgumentException(
                    "Fitting GP hyperparameters needs at least two observations, but got "
                            + steps.length
                            + "; interpolate(...) handles a single observation with a prior std.");
        }
        return fitValidated(steps, values, horizonT);
    }

    /**
     * Log marginal likelihood log p(y | steps, ℓ, s², σn²) of the observations under this GP's
     * model (constant mean = mean of the observations, steps rescaled to [0, 1], jitter included),
     * the quantity that {@link #fit} maximises. Returns negative infinity when the covariance is
     * not numerically positive definite.
     *
     * @throws IllegalArgumentException when the input or a hyperparameter is invalid
     */
    public double logMarginalLikelihood(
            int[] steps,
            double[] values,
            int horizonT,
            double lengthScaleSteps,
            double signalVariance,
            double noiseVariance) {
        validate(steps, values, horizonT);
        GpHyperparameters h = GpHyperparameters.of(lengthScaleSteps, signalVariance, noiseVariance);
        double scale = scale(horizonT);
        return logMarginalLikelihood(
                rescale(steps, scale),
                centre(values, mean(values)),
                h.lengthScaleSteps() / scale,
                h.signalVariance(),
                h.noiseVariance());
    }

    private GpHyperparameters fitValidated(int[] steps, double[] values, int horizonT) {
        double scale = scale(horizonT);
        double[] x = rescale(steps, scale);
        double[] y = centre(values, mean(values));
        double variance = Math.max(sumOfSquares(y) / (y.length - 1), minSignalVariance);

        // ℓ is chosen in steps and only then rescaled, so the reported ℓ is the grid value.
        double[] lengthScalesSteps;
        if (fixedLengthScaleSteps > 0) {
            lengthScalesSteps = new double[] {fixedLengthScaleSteps};
        } else {
            double spacing = medianSpacing(steps);
            lengthScalesSteps = new double[lengthScaleMultipliers.length];
            for (int i = 0; i < lengthScalesSteps.length; i++) {
                lengthScalesSteps[i] = lengthScaleMultipliers[i] * spacing;
            }
        }
        double[] ratios = noiseFixed ? new double[] {Double.NaN} : noiseRatios;

        double bestLml = Double.NEGATIVE_INFINITY;
        double bestLength = Double.NaN;
        double bestSignal = Double.NaN;
        double bestNoise = Double.NaN;
        for (double lengthScaleSteps : lengthScalesSteps) {
            double lengthScale = lengthScaleSteps / scale;
            // The factorisation depends on ℓ and σn²/s² only; s² then enters in closed form.
            Map<Double, double[]> byNoiseRatio = new HashMap<>();
            for (double signalMultiplier : signalVarianceMultipliers) {
                double signal = signalMultiplier * variance;
                for (double ratio : ratios) {
                    double noise = noiseFixed ? fixedNoiseVariance : ratio * signal;
                    double[] stats =
                            byNoiseRatio.computeIfAbsent(
                                    noise / signal, r -> correlationStats(x, y, lengthScale, r));
                    double lml = logMarginalLikelihood(stats, signal);
                    if (lml > bestLml) {
                        bestLml = lml;
                        bestLength = lengthScaleSteps;
                        bestSignal = signal;
                        bestNoise = noise;
                    }
                }
            }
        }
        if (Double.isNaN(bestLength)) {
            throw new IllegalStateException(
                    "No GP hyperparameters on the grid gave a positive-definite covariance for "
                            + steps.length
                            + " observations; raise the noise (optFixedNoiseVariance) or the"
                            + " minimum signal variance (optMinSignalVariance).");
        }
        return new GpHyperparameters(bestLength, bestSignal, bestNoise, bestLml);
    }

    private Interpolation predict(int[] steps, double[] values, int horizonT, GpHyperparameters h) {
        double scale = scale(horizonT);
        double[] x = rescale(steps, scale);
        double priorMean = mean(values);
        double[] y = centre(values, priorMean);
        double lengthScale = h.lengthScaleSteps() / scale;
        double signal = h.signalVariance();
        CholeskyDecomposition cholesky;
        try {
            cholesky = factor(x, lengthScale, h.noiseVariance() / signal);
        } catch (NonPositiveDefiniteMatrixException e) {
            throw new IllegalStateException(
                    "The GP covariance is not positive definite for "
                            + h
                            + "; raise the noise variance.",
                    e);
        }
        // With K = s²·R, the posterior mean is m + r*ᵀ R⁻¹ y and the latent variance is
        // s²·(1 − |L⁻¹ r*|²), where R = L Lᵀ (Commons Math) and r* = k(x, x*) / s². The whitened
        // form keeps the variance accurate near observations, where 1 − r*ᵀ R⁻¹ r* cancels.
        double[] beta = cholesky.getSolver().solve(new ArrayRealVector(y, false)).toArray();
        // Row j of Lᵀ is column j of L, so the forward substitution below reads memory in order.
        // MatrixUtils.solveLowerTriangularSystem does the same one entry at a time, which
        // dominated the run time for long horizons.
        double[][] upper = cholesky.getLT().getData();
        int n = x.length;
        double[] mean = new double[horizonT + 1];
        double[] std = new double[horizonT + 1];
        double[] whitened = new double[n];
        for (int t = 0; t <= horizonT; t++) {
            double xt = t / scale;
            double m = priorMean;
            for (int i = 0; i < n; i++) {
                whitened[i] = correlation(x[i], xt, lengthScale);
                m += whitened[i] * beta[i];
            }
            for (int j = 0; j < n; j++) {
                double[] column = upper[j];
                double wj = whitened[j] / column[j];
                whitened[j] = wj;
                for (int i = j + 1; i < n; i++) {
                    whitened[i] -= column[i] * wj;
                }
            }
            double variance = signal * (1.0 - sumOfSquares(whitened));
            if (includeNoise) {
                variance += h.noiseVariance();
            }
            mean[t] = m;
            std[t] = Math.sqrt(Math.max(0.0, variance));
        }
        return new Interpolation(mean, std);
    }

    private static double logMarginalLikelihood(
            double[] x, double[] y, double lengthScale, double signal, double noise) {
        return logMarginalLikelihood(correlationStats(x, y, lengthScale, noise / signal), signal);
    }

    /**
     * With K = s²·R (R the correlation matrix plus the scaled noise and jitter), log p(y) = −½
     * yᵀR⁻¹y / s² − ½ (n log s² + log det R) − ½ n log 2π.
     */
    private static double logMarginalLikelihood(double[] stats, double signal) {
        int n = (int) stats[2];
        double lml =
                -0.5 * stats[0] / signal
                        - 0.5 * (n * StrictMath.log(signal) + stats[1])
                        - 0.5 * n * LOG_TWO_PI;
        return Double.isNaN(lml) ? Double.NEGATIVE_INFINITY : lml;
    }

    /**
     * Returns {yᵀR⁻¹y, log det R, n} for R = correlation + (σn²/s² + jitter)·I, with NaN for the
     * first two when R is not numerically positive definite.
     */
    private static double[] correlationStats(
            double[] x, double[] y, double lengthScale, double noiseRatio) {
        int n = y.length;
        CholeskyDecomposition cholesky;
        try {
            cholesky = factor(x, lengthScale, noiseRatio);
        } catch (NonPositiveDefiniteMatrixException e) {
            return new double[] {Double.NaN, Double.NaN, n};
        }
        RealVector beta = cholesky.getSolver().solve(new ArrayRealVector(y, false));
        double quadratic = 0;
        for (int i = 0; i < n; i++) {
            quadratic += y[i] * beta.getEntry(i);
        }
        RealMatrix upper = cholesky.getLT();
        double logDet = 0;
        for (int i = 0; i < n; i++) {
            logDet += 2 * StrictMath.log(upper.getEntry(i, i));
        }
        return new double[] {quadratic, logDet, n};
    }

    /**
     * Factorises the covariance divided by s²: the correlation matrix plus (σn²/s² + jitter) on the
     * diagonal, so pivots stay near 1 whatever the scale of the metric.
     */
    private static CholeskyDecomposition factor(double[] x, double lengthScale, double noiseRatio) {
        int n = x.length;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i][i] = 1.0 + noiseRatio + JITTER_RATIO;
            for (int j = 0; j < i; j++) {
                double c = correlation(x[i], x[j], lengthScale);
                a[i][j] = c;
                a[j][i] = c;
            }
        }
        return new CholeskyDecomposition(
                new Array2DRowRealMatrix(a, false),
                CholeskyDecomposition.DEFAULT_RELATIVE_SYMMETRY_THRESHOLD,
                0.0);
    }

    private static double correlation(double a, double b, double lengthScale) {
        double d = (a - b) / lengthScale;
        return StrictMath.exp(-0.5 * d * d);
    }

    /** Step indices are divided by T (at least 1) so that they lie in [0, 1]. */
    private static double scale(int horizonT) {
        return Math.max(horizonT, 1);
    }

    private static double[] rescale(int[] steps, double scale) {
        double[] x = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            x[i] = steps[i] / scale;
        }
        return x;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    private static double[] centre(double[] values, double mean) {
        double[] y = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            y[i] = values[i] - mean;
        }
        return y;
    }

    private static double sumOfSquares(double[] v) {
        double sum = 0;
        for (double e : v) {
            sum += e * e;
        }
        return sum;
    }

    private static double medianSpacing(int[] steps) {
        double[] gaps = new double[steps.length - 1];
        for (int i = 0; i < gaps.length; i++) {
            gaps[i] = steps[i + 1] - steps[i];
        }
        Arrays.sort(gaps);
        int mid = gaps.length / 2;
        return gaps.length % 2 == 1 ? gaps[mid] : 0.5 * (gaps[mid - 1] + gaps[mid]);
    }

    private static void validate(int[] steps, double[] values, int horizonT) {
        Objects.requireNonNull(steps, "steps must not be null");
        Objects.requireNonNull(values, "values must not be null");
        if (horizonT < 0) {
            throw new IllegalArgumentException("horizonT must be >= 0, but was " + horizonT + ".");
        }
        if (steps.length != values.length) {
            throw new IllegalArgumentException(
                    "steps and values must have the same length, but steps has "
                            + steps.length
                            + " entries and values has "
                            + values.length
                            + ".");
        }
        if (steps.length == 0) {
            throw new IllegalArgumentException(
                    "At least one metric observation is needed to interpolate, but steps and"
                            + " values are empty.");
        }
        for (int i = 0; i < steps.length; i++) {
            if (steps[i] < 0 || steps[i] > horizonT) {
                throw new IllegalArgumentException(
                        "steps["
                                + i
                                + "] = "
                                + steps[i]
                                + " is outside [0, horizonT = "
                                + horizonT
                                + "].");
            }
            if (i > 0 && steps[i] <= steps[i - 1]) {
                throw new IllegalArgumentException(
                        "steps must be strictly increasing, but steps["
                                + i
                                + "] = "
                                + steps[i]
                                + " follows steps["
                                + (i - 1)
                                + "] = "
                                + steps[i - 1]
                                + ".");
            }
            if (!Double.isFinite(values[i])) {
                throw new IllegalArgumentException(
                        "values["
                                + i
                                + "] = "
                                + values[i]
                                + " (at step "
                                + steps[i]
                                + ") is not finite; drop failed metric observations before"
                                + " interpolating.");
            }
        }
    }

    /** Whether σ̂ includes the observation noise σn² (predictive) or not (latent, the default). */
    public boolean includeNoise() {
        return includeNoise;
    }

    /** The fixed length-scale in steps, or 0 when ℓ is chosen from the grid. */
    public double fixedLengthScaleSteps() {
        return fixedLengthScaleSteps;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof GaussianProcess)) {
            return false;
        }
        GaussianProcess that = (GaussianProcess) other;
        return Arrays.equals(lengthScaleMultipliers, that.lengthScaleMultipliers)
                && Arrays.equals(signalVarianceMultipliers, that.signalVarianceMultipliers)
                && Arrays.equals(noiseRatios, that.noiseRatios)
                && Double.compare(fixedLengthScaleSteps, that.fixedLengthScaleSteps) == 0
                && noiseFixed == that.noiseFixed
                && Double.compare(fixedNoiseVariance, that.fixedNoiseVariance) == 0
                && Double.compare(minSignalVariance, that.minSignalVariance) == 0
                && includeNoise == that.includeNoise;
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                Arrays.hashCode(lengthScaleMultipliers),
                Arrays.hashCode(signalVarianceMultipliers),
                Arrays.hashCode(noiseRatios),
                fixedLengthScaleSteps,
                noiseFixed,
                fixedNoiseVariance,
                minSignalVariance,
                includeNoise);
    }

    /** Describes the configuration, for provenance records. */
    @Override
    public String toString() {
        return "GaussianProcess[kernel=squared-exponential, mean=constant(data mean)"
                + ", lengthScaleMultipliers="
                + Arrays.toString(lengthScaleMultipliers)
                + ", fixedLengthScaleSteps="
                + fixedLengthScaleSteps
                + ", signalVarianceMultipliers="
                + Arrays.toString(signalVarianceMultipliers)
                + ", minSignalVariance="
                + minSignalVariance
                + (noiseFixed
                        ? ", fixedNoiseVariance=" + fixedNoiseVariance
                        : ", noiseRatios=" + Arrays.toString(noiseRatios))
                + ", jitterRatio="
                + JITTER_RATIO
                + ", includeNoise="
                + includeNoise
                + "]";
    }

    /**
     * Builder of {@link GaussianProcess}. Every option is optional ({@code optX}); {@link #build()}
     * validates them all at once.
     */
    public static final class Builder {
        private double[] lengthScaleMultipliers = DEFAULT_LENGTH_SCALE_MULTIPLIERS;
        private double[] signalVarianceMultipliers = DEFAULT_SIGNAL_VARIANCE_MULTIPLIERS;
        private double[] noiseRatios = DEFAULT_NOISE_RATIOS;
        private double fixedLengthScaleSteps = 0;
        private boolean noiseFixed = false;
        private double fixedNoiseVariance = 0;
        private double minSignalVariance = DEFAULT_MIN_SIGNAL_VARIANCE;
        private boolean includeNoise = false;

        private Builder() {}

        /** Grid of ℓ as multiples of the median observation spacing; default {0.5, 1, 2, 4, 8}. */
        public Builder optLengthScaleMultipliers(double... multipliers) {
            this.lengthScaleMultipliers = Objects.requireNonNull(multipliers).clone();
            return this;
        }

        /** Grid of s² as multiples of the sample variance; default {0.25, 1, 4}. */
        public Builder optSignalVarianceMultipliers(double... multipliers) {
            this.signalVarianceMultipliers = Objects.requireNonNull(multipliers).clone();
            return this;
        }

        /** Grid of σn² as multiples of s²; default {1e-6, 1e-3, 1e-2}. */
        public Builder optNoiseRatios(double... ratios) {
            this.noiseRatios = Objects.requireNonNull(ratios).clone();
            return this;
        }

        /** Fixed ℓ in steps; when > 0 the ℓ grid is skipped. Default 0 (use the grid). */
        public Builder optFixedLengthScaleSteps(double lengthScaleSteps) {
            this.fixedLengthScaleSteps = lengthScaleSteps;
            return this;
        }

        /**
         * Fixed observation-noise variance σn², in squared metric units, instead of the noise grid
         * (for example the binomial variance of a metric measured on a validation split).
         */
        public Builder optFixedNoiseVariance(double noiseVariance) {
            this.noiseFixed = true;
            this.fixedNoiseVariance = noiseVariance;
            return this;
        }

        /** Floor of the sample variance that the s² grid scales; default 1e-10. */
        public Builder optMinSignalVariance(double minSignalVariance) {
            this.minSignalVariance = minSignalVariance;
            return this;
        }

        /** Whether σ̂ includes the observation noise; default false (latent function only). */
        public Builder optIncludeNoise(boolean includeNoise) {
            this.includeNoise = includeNoise;
            return this;
        }

        /**
         * Validates the options and builds the GP.
         *
         * @throws IllegalArgumentException naming the option, its value and what is allowed
         */
        public GaussianProcess build() {
            requirePositiveGrid("lengthScaleMultipliers", lengthScaleMultipliers, false);
            requirePositiveGrid("signalVarianceMultipliers", signalVarianceMultipliers, false);
            requirePositiveGrid("noiseRatios", noiseRatios, true);
            if (!(fixedLengthScaleSteps >= 0) || Double.isInfinite(fixedLengthScaleSteps)) {
                throw new IllegalArgumentException(
                        "fixedLengthScaleSteps must be finite and >= 0 (0 selects the grid), but"
                                + " was "
                                + fixedLengthScaleSteps
                                + ".");
            }
            if (noiseFixed
                    && (!(fixedNoiseVariance >= 0) || Double.isInfinite(fixedNoiseVariance))) {
                throw new IllegalArgumentException(
                        "fixedNoiseVariance must be finite and >= 0, but was "
                                + fixedNoiseVariance
                                + ".");
            }
            if (!(minSignalVariance > 0) || Double.isInfinite(minSignalVariance)) {
                throw new IllegalArgumentException(
                        "minSignalVariance must be finite and > 0, but was "
                                + minSignalVariance
                                + ".");
            }
            return new GaussianProcess(this);
        }

        private static void requirePositiveGrid(String name, double[] grid, boolean allowZero) {
            if (grid.length == 0) {
                throw new IllegalArgumentException(name + " must have at least one entry.");
            }
            for (int i = 0; i < grid.length; i++) {
                boolean ok = allowZero ? grid[i] >= 0 : grid[i] > 0;
                if (!ok || Double.isInfinite(grid[i])) {
                    throw new IllegalArgumentException(
                            name
                                    + "["
                                    + i
                                    + "] = "
                                    + grid[i]
                                    + " is not allowed; entries must be finite and "
                                    + (allowZero ? ">= 0" : "> 0")
                                    + ".");
                }
            }
        }
    }
}
