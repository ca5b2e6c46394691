package org.metricopt.common.metrics;

/**
 * One minus the area under the precision-recall curve, measured as average precision: {@code AP =
 * Σ_k (R_k − R_{k−1}) P_k} over the distinct score thresholds from highest to lowest, with {@code
 * R_0 = 0}. This is sklearn's {@code average_precision_score} (no interpolation); tied scores form
 * one threshold, so the order of tied examples does not matter.
 *
 * <p>Binary ({@code numClasses == 1}): AP of the positive-class score. Multi-class: the macro
 * average of one-vs-rest AP, class {@code c} ranked by column {@code c}.
 *
 * <p>Conventions where AP is undefined: a class with no positive labels has AP 0 (metric 1) when it
 * is the binary task's positive class; in the macro average such classes are skipped, and if every
 * class is skipped the metric is 1. With only positive labels AP is 1 (metric 0), which the formula
 * gives without a special case. Range {@code [0, 1]}.
 */
public final class OneMinusAucpr implements Metric {

    private static final long serialVersionUID = 1L;

    /** The configuration name of this metric. */
    public static final String ID = "one-minus-aucpr";

    public OneMinusAucpr() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public double evaluate(Predictions p) {
        return OneVsRest.complementOfMacro(p, ThresholdCounts::averagePrecision, 1.0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OneMinusAucpr;
    }

    @Override
    public int hashCode() {
        return ID.hashCode();
    }

    @Override
    public String toString() {
        return ID;
    }
}
