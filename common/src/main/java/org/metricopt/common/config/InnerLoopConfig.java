package org.metricopt.common.config;

import java.io.Serializable;

/**
 * The inner loop: T optimizer steps on phi with K metric observations.
 *
 * @param steps T
 * @param observeFraction K = max(2, round(observeFraction * T))
 * @param optimizer {@code sgd} or {@code adam}
 * @param phiInitStd standard deviation of phi_0 (0 = the un-adapted network)
 */
public record InnerLoopConfig(
        int steps,
        double observeFraction,
        int batchSize,
        String optimizer,
        double sgdLearningRate,
        double sgdMomentum,
        double adamLearningRate,
        double phiInitStd)
        implements Serializable {
    public static final String SGD = "sgd";
    public static final String ADAM = "adam";

    /** K, the number of metric observations. */
    public int observations() {
        return observations(steps, observeFraction);
    }

    public static int observations(int steps, double observeFraction) {
        return Math.min(steps + 1, Math.max(2, (int) Math.round(observeFraction * steps)));
    }

    /**
     * The K observation steps, evenly spread over [0, T], first and last included; every T/(K-1)
     * steps, rounded.
     */
    public int[] observationSteps() {
        int k = observations();
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = (int) Math.round((double) i * steps / (k - 1));
        }
        return out;
    }

    public double learningRate() {
        return SGD.equals(optimizer) ? sgdLearningRate : adamLearningRate;
    }
}
