package org.metricopt.common.config;

import java.io.Serializable;

/**
 * The value function f_w(phi) ~ M and its loss L_v (DESIGN.md section 3).
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
        double minStd)
        implements Serializable {}
