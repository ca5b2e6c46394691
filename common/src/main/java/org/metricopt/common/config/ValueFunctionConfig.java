package org.metricopt.common.config;

import java.io.Serializable;

/**
 * The value function f_w(phi, c) ~ M, its loss L_v, its meta-learning and its use at meta-test
 * (docs/DESIGN.md section 3).
 *
 * @param hidden width of its two tanh hidden layers
 * @param sigma0 sigma_0 of the uncertainty weights 1 / (sigma_t^2 + sigma_0^2)
 * @param rankWeight gamma, the weight of the ordinal ranking term
 * @param rankTemperature tau of the ranking term
 * @param rankPairs pairs (s, t) sampled per adaptation step for the ranking term
 * @param adaptSteps inner adaptation steps giving w~ per task
 * @param adaptLearningRate alpha of the inner SGD steps
 * @param adaptClip gradient-norm clip of an inner step
 * @param reptileStep eta of the Reptile update
 * @param lambda lambda_v: weight of the norm-matched value-function gradient at meta-test
 * @param minStd floor of the standard deviation used to standardise phi
 * @param target {@link #RESIDUAL}: f = M_0 + g(phi, c), g learns the change from the metric
 *     observed at phi_0; {@link #ABSOLUTE}: f = g(phi, c) learns the metric itself
 * @param context whether g also takes the task context c ({@code ValueContext})
 * @param contextMinStd floor of the standard deviation used to standardise c
 * @param pairWeight weight of the antithetic-probe term of L_v
 * @param normaliseWeights whether the uncertainty weights of the regression term are divided by
 *     their mean over the trajectory (so that their scale does not depend on sigma_0)
 * @param metaOptimizer {@link #SGD}: w += reptile-step * mean(w~ - w); {@link #ADAM}: Adam with
 *     meta-learning-rate on the Reptile direction -mean(w~ - w)
 * @param metaLearningRate Adam's learning rate on the Reptile direction
 * @param onlineAdaptSteps adaptation steps at every metric observation of a MetricOpt unroll at
 *     meta-test (0: the meta-learned prior is used as it is)
 * @param onlineAdaptLearningRate the learning rate of those steps
 * @param combination {@link #ADD}: the paper's g = grad loss + lambda_v-weighted grad f; {@link
 *     #PROJECT}: first remove from grad loss its component along grad f when the descent step would
 *     raise the predicted metric, then add the lambda_v-weighted grad f
 * @param init {@link #FAN_IN}: weights uniform in +-1/sqrt(fan-in); {@link #GLOROT}: Glorot-uniform
 * @param gpNoiseRatios the GP's grid of observation-noise variances, as ratios of the signal
 *     variance, from which marginal likelihood chooses
 */
public record ValueFunctionConfig(
        int hidden,
        double sigma0,
        double rankWeight,
        double rankTemperature,
        int rankPairs,
        int adaptSteps,
        double adaptLearningRate,
        double adaptClip,
        double reptileStep,
        double lambda,
        double minStd,
        String target,
        boolean context,
        double contextMinStd,
        double pairWeight,
        boolean normaliseWeights,
        String metaOptimizer,
        double metaLearningRate,
        int onlineAdaptSteps,
        double onlineAdaptLearningRate,
        String combination,
        String init,
        double[] gpNoiseRatios)
        implements Serializable {
    public static final String ADD = "add";
    public static final String PROJECT = "project";
    public static final String FAN_IN = "fan-in";
    public static final String GLOROT = "glorot";
    public static final String RESIDUAL = "residual";
    public static final String ABSOLUTE = "absolute";
    public static final String SGD = "sgd";
    public static final String ADAM = "adam";

    public boolean residual() {
        return RESIDUAL.equals(target);
    }
}
