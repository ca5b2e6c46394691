package org.metricopt.common.interp;

/**
 * Hyperparameters of the squared-exponential Gaussian process used by {@link GaussianProcess}, in
 * the units of the data: the length-scale in steps, the signal and noise variances in squared
 * metric units. Recorded next to each interpolation so that a run can say which curve it fitted.
 *
 * @param lengthScaleSteps ℓ of k(a, b) = s² exp(−(a − b)² / (2ℓ²)), in steps; finite and positive
 * @param signalVariance s², the prior variance of the latent metric curve; finite and positive
 * @param noiseVariance σn², the variance of the observation noise; finite and non-negative
 * @param logMarginalLikelihood log p(y | steps, hyperparameters) of the data these were fitted to,
 *     or NaN when the hyperparameters were given rather than fitted
 */
public record GpHyperparameters(
        double lengthScaleSteps,
        double signalVariance,
        double noiseVariance,
        double logMarginalLikelihood) {

    /** Validates the hyperparameters. */
    public GpHyperparameters {
        if (!(lengthScaleSteps > 0) || Double.isInfinite(lengthScaleSteps)) {
            throw new IllegalArgumentException(
                    "lengthScaleSteps must be finite and > 0, but was " + lengthScaleSteps + ".");
        }
        if (!(signalVariance > 0) || Double.isInfinite(signalVariance)) {
            throw new IllegalArgumentException(
                    "signalVariance must be finite and > 0, but was " + signalVariance + ".");
        }
        if (!(noiseVariance >= 0) || Double.isInfinite(noiseVariance)) {
            throw new IllegalArgumentException(
                    "noiseVariance must be finite and >= 0, but was " + noiseVariance + ".");
        }
    }

    /** Hyperparameters chosen by hand: the log marginal likelihood is unknown (NaN). */
    public static GpHyperparameters of(
            double lengthScaleSteps, double signalVariance, double noiseVariance) {
        return new GpHyperparameters(lengthScaleSteps, signalVariance, noiseVariance, Double.NaN);
    }
}
