package org.metricopt.common.config;

import java.io.Serializable;

/**
 * One task family of p(T). Ranges are sampled uniformly per task.
 *
 * @param name the family's key in {@code tasks.families}
 * @param kind {@code one-vs-rest} (binary scores for one class) or {@code multiclass}
 * @param metric the black-box metric id or class name
 * @param loss the surrogate loss id
 * @param positiveFraction fraction of positives in a one-vs-rest task's training data
 * @param minEvalPositives minimum positives in validation and test sets of one-vs-rest tasks
 * @param numClasses number of classes of a multiclass task
 * @param labelNoise probability that a training label is replaced by another class
 * @param imbalanceRatio ratio of the most to the least frequent training class
 * @param contrast input contrast factor around mid-grey
 * @param brightness additive input offset, in [0, 1] pixel units
 * @param noiseStd standard deviation of additive Gaussian pixel noise
 * @param rotationDeg rotation of every image, in degrees
 */
public record FamilyConfig(
        String name,
        String kind,
        String metric,
        String loss,
        Range positiveFraction,
        int minEvalPositives,
        Range numClasses,
        Range labelNoise,
        Range imbalanceRatio,
        Range contrast,
        Range brightness,
        Range noiseStd,
        Range rotationDeg)
        implements Serializable {
    public static final String ONE_VS_REST = "one-vs-rest";
    public static final String MULTICLASS = "multiclass";
}
