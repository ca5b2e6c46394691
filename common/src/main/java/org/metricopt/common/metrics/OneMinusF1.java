package org.metricopt.common.metrics;

/**
 * One minus the F1 score, {@code F1 = 2TP / (2TP + FP + FN)}, the harmonic mean of precision and
 * recall.
 *
 * <p>Binary ({@code numClasses == 1}): F1 of the positive class, predicting positive iff the score
 * is {@code > 0}. With no true and no predicted positives F1 is 0 (metric 1), like sklearn's {@code
 * zero_division=0}. Multi-class: the macro average of per-class F1 over the classes that occur in
 * the labels or the argmax predictions (sklearn's {@code average="macro"}); a class in neither is
 * skipped, as it has no F1. Range {@code [0, 1]}.
 */
public final class OneMinusF1 implements Metric {

    private static final long serialVersionUID = 1L;

    /** The configuration name of this metric. */
    public static final String ID = "one-minus-f1";

    public OneMinusF1() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public double evaluate(Predictions p) {
        int classes = p.isBinary() ? 2 : p.numClasses();
        long[] tp = new long[classes];
        long[] fp = new long[classes];
        long[] fn = new long[classes];
        int[] labels = p.labels();
        for (int i = 0; i < labels.length; i++) {
            int predicted = Scores.predictedClass(p, i);
            if (predicted == labels[i]) {
                tp[predicted]++;
            } else {
                fp[predicted]++;
                fn[labels[i]]++;
            }
        }
        if (p.isBinary()) {
            return OneVsRest.complement(f1(tp[1], fp[1], fn[1]));
        }
        double sum = 0.0;
        int counted = 0;
        for (int c = 0; c < classes; c++) {
            if (tp[c] + fp[c] + fn[c] > 0) {
                sum += f1(tp[c], fp[c], fn[c]);
                counted++;
            }
        }
        // At least one class occurs, because there is at least one example.
        return OneVsRest.complement(sum / counted);
    }

    private static double f1(long tp, long fp, long fn) {
        long denominator = 2 * tp + fp + fn;
        return denominator == 0 ? 0.0 : 2.0 * tp / denominator;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OneMinusF1;
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
