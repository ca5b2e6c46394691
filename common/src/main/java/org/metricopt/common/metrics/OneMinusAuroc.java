package org.metricopt.common.metrics;

/**
 * One minus the area under the ROC curve, computed as the Mann–Whitney statistic: the fraction of
 * (positive, negative) pairs in which the positive example scores higher, a tie counting 1/2
 * (Hanley &amp; McNeil, 1982). This equals sklearn's {@code roc_auc_score} and is O(n log n).
 *
 * <p>Binary ({@code numClasses == 1}): AUC of the positive-class score. Multi-class: the macro
 * average of one-vs-rest AUC, class {@code c} ranked by column {@code c}.
 *
 * <p>Convention where AUC is undefined (only positive or only negative labels): the binary metric
 * is 0.5, the value of a random ranking; in the macro average such classes are skipped, and if
 * every class is skipped the metric is 0.5. Range {@code [0, 1]}.
 */
public final class OneMinusAuroc implements Metric {

    private static final long serialVersionUID = 1L;

    /** The configuration name of this metric. */
    public static final String ID = "one-minus-auroc";

    public OneMinusAuroc() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public double evaluate(Predictions p) {
        return OneVsRest.complementOfMacro(p, ThresholdCounts::rocAuc, 0.5);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OneMinusAuroc;
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
