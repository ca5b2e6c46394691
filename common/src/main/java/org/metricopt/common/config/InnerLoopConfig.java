package org.metricopt.common.config;

import java.io.Serializable;

/**
 * The inner loop: T optimizer steps on phi with K metric observations.
 *
 * @param steps T
 * @param observeFraction K = max(1, round(observeFraction * T)); the metric is observed every T/K
 *     steps, at step 0 and at step T included (K + 1 observations)
 * @param optimizer {@code sgd} or {@code adam}
 * @param phiInitStd standard deviation of phi_0 (0 = the un-adapted network)
 * @param metricTimeoutMs per-call timeout of a task metric (0 = none)
 */
public record InnerLoopConfig(
        int steps,
        double observeFraction,
        int batchSize,
        String optimizer,
        double sgdLearningRate,
        double sgdMomentum,
        double adamLearningRate,
        double phiInitStd,
        long metricTimeoutMs)
        implements Serializable {
    public static final String SGD = "sgd";
    public static final String ADAM = "adam";

    /** K, the number of observation intervals: max(1, round(observeFraction * T)), at most T. */
    public int observations() {
        return observations(steps, observeFraction);
    }

    public static int observations(int steps, double observeFraction) {
        return Math.min(steps, Math.max(1, (int) Math.round(observeFraction * steps)));
    }

    /**
     * The K + 1 observation steps round(i * T / K), i = 0..K: every T/K steps, 0 and T included.
     */
    public int[] observationSteps() {
        int k = observations();
        int[] out = new int[k + 1];
        for (int i = 0; i <= k; i++) {
            out[i] = (int) Math.round((double) i * steps / k);
        }
        return out;
    }

    public double learningRate() {
        return SGD.equals(optimizer) ? sgdLearningRate : adamLearningRate;
    }
}
