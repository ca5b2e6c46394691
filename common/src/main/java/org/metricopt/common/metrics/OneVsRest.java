package org.metricopt.common.metrics;

import java.util.function.ToDoubleFunction;

/**
 * Shared arithmetic of the "one minus a score" metrics: the binary score, or the macro average of
 * one-vs-rest scores over the classes where the score is defined, turned into a lower-is-better
 * value clamped to [0, 1].
 */
final class OneVsRest {
    private OneVsRest() {}

    /**
     * 1 - score for binary predictions, 1 - macro average otherwise; {@code undefined} when the
     * score is NaN for the binary case or for every class.
     */
    static double complementOfMacro(
            Predictions p, ToDoubleFunction<ThresholdCounts> score, double undefined) {
        if (p.isBinary()) {
            double s = score.applyAsDouble(ThresholdCounts.of(p, 1));
            return Double.isNaN(s) ? undefined : complement(s);
        }
        double sum = 0.0;
        int counted = 0;
        for (int c = 0; c < p.numClasses(); c++) {
            double s = score.applyAsDouble(ThresholdCounts.of(p, c));
            if (!Double.isNaN(s)) {
                sum += s;
                counted++;
            }
        }
        return counted == 0 ? undefined : complement(sum / counted);
    }

    /** 1 - x clamped to [0, 1]: sums of ratios can exceed 1 by a rounding error. */
    static double complement(double x) {
        return Math.max(0.0, Math.min(1.0, 1.0 - x));
    }
}
