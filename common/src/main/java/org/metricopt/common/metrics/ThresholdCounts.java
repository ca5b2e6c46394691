package org.metricopt.common.metrics;

/**
 * Cumulative true- and false-positive counts at each distinct score threshold, highest threshold
 * first, for one class against the rest: the common input of the precision-recall and ROC metrics.
 * Tied scores form one threshold, so a group of ties is counted all at once, as in sklearn's {@code
 * _binary_clf_curve}.
 */
final class ThresholdCounts {

    /** The number of distinct thresholds. */
    final int thresholds;

    /** {@code truePositives[t]}: positives with score at least the t-th highest distinct score. */
    final long[] truePositives;

    /** {@code falsePositives[t]}: negatives with score at least the t-th highest distinct score. */
    final long[] falsePositives;

    /** All positives. */
    final long positives;

    /** All negatives. */
    final long negatives;

    private ThresholdCounts(int thresholds, long[] tp, long[] fp) {
        this.thresholds = thresholds;
        this.truePositives = tp;
        this.falsePositives = fp;
        this.positives = thresholds == 0 ? 0 : tp[thresholds - 1];
        this.negatives = thresholds == 0 ? 0 : fp[thresholds - 1];
    }

    /**
     * Counts for the binary task ({@code numClasses == 1}: column 0, positive label 1) or for class
     * {@code positiveLabel} of a multi-class task, scored by its own column.
     */
    static ThresholdCounts of(Predictions p, int positiveLabel) {
        int n = p.size();
        int column = p.numClasses() == 1 ? 0 : positiveLabel;
        long[] order = Scores.descendingOrder(p.scores(), p.numClasses(), column, n);
        int[] labels = p.labels();
        long[] tp = new long[n];
        long[] fp = new long[n];
        int t = -1;
        long tpSoFar = 0;
        long fpSoFar = 0;
        for (int k = 0; k < n; k++) {
            if (labels[Scores.row(order[k])] == positiveLabel) {
                tpSoFar++;
            } else {
                fpSoFar++;
            }
            boolean lastOfGroup =
                    k == n - 1 || Scores.scoreKey(order[k + 1]) != Scores.scoreKey(order[k]);
            if (lastOfGroup) {
                t++;
                tp[t] = tpSoFar;
                fp[t] = fpSoFar;
            }
        }
        return new ThresholdCounts(t + 1, tp, fp);
    }

    /**
     * Average precision, {@code AP = Σ_t (R_t − R_{t−1}) P_t} with {@code R_0 = 0}: sklearn's
     * {@code average_precision_score} (no interpolation). Returns {@code NaN} when there are no
     * positives; callers choose the convention.
     */
    double averagePrecision() {
        if (positives == 0) {
            return Double.NaN;
        }
        double ap = 0.0;
        long previousTp = 0;
        for (int t = 0; t < thresholds; t++) {
            long tp = truePositives[t];
            if (tp != previousTp) {
                double recallGain = (double) (tp - previousTp) / positives;
                double precision = (double) tp / (tp + falsePositives[t]);
                ap += recallGain * precision;
                previousTp = tp;
            }
        }
        return ap;
    }

    /**
     * Area under the ROC curve as the Mann–Whitney statistic: the fraction of (positive, negative)
     * pairs in which the positive scores higher, a tie counting 1/2. Equal to the trapezoidal area
     * under the ROC curve built from these thresholds. Returns {@code NaN} when there are no
     * positives or no negatives; callers choose the convention.
     */
    double rocAuc() {
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        // Positives in a group beat every negative scored strictly lower and tie the group's own.
        double wins = 0.0;
        long previousTp = 0;
        long previousFp = 0;
        for (int t = 0; t < thresholds; t++) {
            long groupPositives = truePositives[t] - previousTp;
            long groupNegatives = falsePositives[t] - previousFp;
            long negativesBelow = negatives - falsePositives[t];
            wins +=
                    (double) groupPositives * negativesBelow
                            + 0.5 * (double) groupPositives * groupNegatives;
            previousTp = truePositives[t];
            previousFp = falsePositives[t];
        }
        return wins / ((double) positives * (double) negatives);
    }
}
