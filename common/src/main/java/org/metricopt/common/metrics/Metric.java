package org.metricopt.common.metrics;

import java.io.Serializable;

/**
 * A black-box evaluation metric: the quantity MetricOpt learns to optimise. The optimiser never
 * differentiates it; it only calls {@link #evaluate} on held-out predictions, so any function of
 * {@link Predictions} can be plugged in, including non-differentiable ones such as error rates or
 * ranking metrics.
 *
 * <p>Values are normalised so that <b>lower is better</b> (a loss, not a score: {@code 1 - AUC},
 * not {@code AUC}), and must lie in {@code [lowerBound(), upperBound()]}; values outside that
 * range, or not finite, are treated as a failure of the metric (see {@link
 * Metrics#evaluateChecked}).
 *
 * <p>Implementations are shipped to Spark executors, so they must be serializable and should be
 * stateless; {@link #evaluate} must be a pure function of its argument and must not change the
 * arrays it is given. A user metric is named in the configuration by its fully qualified class name
 * and needs a public no-argument constructor (see {@link Metrics#load}).
 */
public interface Metric extends Serializable {

    /** The name this metric is configured by, also written to run provenance and logs. */
    String id();

    /**
     * Evaluates the predictions. Lower is better.
     *
     * @throws IllegalArgumentException if the predictions do not suit this metric (for example too
     *     few classes for a top-k error)
     */
    double evaluate(Predictions p);

    /** The smallest value {@link #evaluate} can return (the best possible). */
    default double lowerBound() {
        return 0.0;
    }

    /** The largest value {@link #evaluate} can return (the worst possible). */
    default double upperBound() {
        return 1.0;
    }
}
