package org.metricopt.common.metrics;

/**
 * The fraction of examples whose predicted class is not the label (1 − accuracy).
 *
 * <p>Binary ({@code numClasses == 1}): an example is predicted positive iff its score is {@code >
 * 0} (probability above 1/2). Multi-class: the predicted class is the argmax of the row, the lowest
 * index among ties. Range {@code [0, 1]}.
 */
public final class MisclassificationRate implements Metric {

    private static final long serialVersionUID = 1L;

    /** The configuration name of this metric. */
    public static final String ID = "misclassification";

    public MisclassificationRate() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public double evaluate(Predictions p) {
        int[] labels = p.labels();
        long wrong = 0;
        for (int i = 0; i < labels.length; i++) {
            if (Scores.predictedClass(p, i) != labels[i]) {
                wrong++;
            }
        }
        return (double) wrong / labels.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MisclassificationRate;
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
