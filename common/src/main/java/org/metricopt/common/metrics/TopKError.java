package org.metricopt.common.metrics;

/**
 * The fraction of examples whose label is not among the {@code k} highest-scoring classes (1 −
 * top-k accuracy), configured as {@code top-k-error:K}.
 *
 * <p>A class ranks above another if its score is higher, or if the scores are tied and its index is
 * lower; so of tied classes the lower indices enter the top k first, the same tie-break as the
 * argmax of {@link MisclassificationRate}. Top-1 error is therefore the misclassification rate. A
 * binary task ({@code numClasses == 1}) has only {@code k = 1}, which predicts positive iff the
 * score is {@code > 0}. Range {@code [0, 1]}.
 */
public final class TopKError implements Metric {

    private static final long serialVersionUID = 1L;

    /** The configuration name without its {@code :K} suffix. */
    public static final String ID_PREFIX = "top-k-error";

    private final int k;

    /**
     * @param k how many top-scoring classes may contain the label, at least 1
     */
    public TopKError(int k) {
        if (k < 1) {
            throw new IllegalArgumentException(
                    "k = " + k + " is not allowed for " + ID_PREFIX + "; k must be at least 1");
        }
        this.k = k;
    }

    /** How many top-scoring classes may contain the label. */
    public int k() {
        return k;
    }

    @Override
    public String id() {
        return ID_PREFIX + ":" + k;
    }

    @Override
    public double evaluate(Predictions p) {
        int numClasses = p.numClasses();
        if (numClasses == 1 && k != 1) {
            throw new IllegalArgumentException(
                    id()
                            + " needs k <= numClasses, but k = "
                            + k
                            + " and numClasses = 1; a binary task allows only k = 1");
        }
        if (numClasses < k) {
            throw new IllegalArgumentException(
                    id()
                            + " needs k <= numClasses, but k = "
                            + k
                            + " and numClasses = "
                            + numClasses
                            + "; choose a smaller k");
        }
        int[] labels = p.labels();
        if (numClasses == 1) {
            return new MisclassificationRate().evaluate(p);
        }
        float[] scores = p.scores();
        long wrong = 0;
        for (int i = 0; i < labels.length; i++) {
            int base = i * numClasses;
            int label = labels[i];
            int labelKey = Scores.sortKey(scores[base + label]);
            // The label's rank is the number of classes ranked above it; stop once it reaches k.
            int above = 0;
            for (int c = 0; c < numClasses && above < k; c++) {
                int key = Scores.sortKey(scores[base + c]);
                if (key > labelKey || (key == labelKey && c < label)) {
                    above++;
                }
            }
            if (above >= k) {
                wrong++;
            }
        }
        return (double) wrong / labels.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopKError other && other.k == k;
    }

    @Override
    public int hashCode() {
        return 31 * ID_PREFIX.hashCode() + k;
    }

    @Override
    public String toString() {
        return id();
    }
}
