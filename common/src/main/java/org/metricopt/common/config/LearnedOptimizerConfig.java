package org.metricopt.common.config;

import java.io.Serializable;

/**
 * The learned optimizer m_wopt and its joint meta-training (docs/DESIGN.md section 4, supp. Alg.
 * 1).
 *
 * @param enabled whether meta-training also trains the learned optimizer
 * @param hidden width of the per-coordinate MLP's hidden layer
 * @param baseStep alpha_0: the step is alpha_0 * exp(output) per coordinate
 * @param pairsPerTask P, antithetic perturbation pairs per task and iteration
 * @param sigmaSquared variance of the Gaussian smoothing of L_opt (supp. Eq. 3)
 * @param metricWeight lambda of L_opt = lambda * L_metric + L_loss (supp. Eq. 2)
 * @param betaFraction beta = betaFraction * T
 * @param epsilon epsilon inside log(loss + epsilon)
 * @param reparameterisation also use the reparameterisation estimator
 * @param reparamTruncationSteps K: back-propagate each term of L_opt through at most the K
 *     optimizer steps before it (truncated back-propagation through time); 0 for the whole unroll
 * @param reparamSecondOrder keep the loss gradient g_t and its moments in the graph (second-order
 *     terms through {@code createGraph}) instead of treating them as constants
 * @param metaLearningRate Adam learning rate on w_opt
 * @param clip gradient-norm clip of the Adam step on w_opt
 * @param divergencePenalty L_opt given to an unroll whose phi or loss became NaN or infinite
 * @param populationBatching unroll all 2P perturbed optimizers of a task as one population (one
 *     batched graph per step) instead of one after the other; same results up to float rounding
 * @param phaseAUnrolls {@link #BASE}: the value function learns from SGD/Adam unrolls, the ones
 *     MetricOpt (SGD/Adam) is used with at meta-test; {@link #LEARNED}: from unrolls of the learned
 *     optimizer itself (supp. Algorithm 1, line 3)
 * @param metricSource {@link #PREDICTED}: in phase B the optimizer's metric input M_t and the M_t
 *     of L_metric are the adapted value function's predictions at every step (supp. Eq. 2); {@link
 *     #OBSERVED}: both are the black-box metric observed on the task's validation split at its
 *     observation steps, held between them, as the optimizer sees it at meta-test (docs/DESIGN.md
 *     section 4.2)
 * @param metricObjective the form of L_metric: {@link #REGRET} (supp. Eq. 2: each rise of M_t above
 *     the best earlier one, through a softplus with slope beta), {@link #MEAN_RELATIVE} (the mean
 *     of (M_t - M_0) / M_0 over the metrics after the first: lower metrics sooner) or {@link
 *     #MEAN_CHANGE} (the mean of M_t - M_0, in the metric's units: bounded where a small M_0 makes
 *     the relative change heavy-tailed)
 */
public record LearnedOptimizerConfig(
        boolean enabled,
        int hidden,
        double baseStep,
        int pairsPerTask,
        double sigmaSquared,
        double metricWeight,
        double betaFraction,
        double epsilon,
        boolean reparameterisation,
        int reparamTruncationSteps,
        boolean reparamSecondOrder,
        double metaLearningRate,
        double clip,
        double divergencePenalty,
        boolean populationBatching,
        String phaseAUnrolls,
        String metricSource,
        String metricObjective)
        implements Serializable {
    public static final String REGRET = "regret";
    public static final String MEAN_RELATIVE = "mean-relative";
    public static final String MEAN_CHANGE = "mean-change";

    public static final String BASE = "base";
    public static final String LEARNED = "learned";
    public static final String PREDICTED = "predicted";
    public static final String OBSERVED = "observed";

    /** Whether phase B's metric input and L_metric use observed metrics (else predictions). */
    public boolean observedMetric() {
        return OBSERVED.equals(metricSource);
    }

    /** Whether phase A unrolls the learned optimizer (else SGD/Adam). */
    public boolean learnedPhaseA() {
        return enabled && LEARNED.equals(phaseAUnrolls);
    }
}
