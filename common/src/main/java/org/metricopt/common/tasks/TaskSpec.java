package org.metricopt.common.tasks;

import java.io.Serializable;

/**
 * One finetuning task drawn from p(T): everything an executor needs to build the task's data and
 * run its inner loop, and nothing else. Immutable and small; identified by (stream, iteration,
 * index), from which {@link #seed} is derived.
 *
 * @param stream which sampler stream produced it ({@link TaskSampler#META_TRAIN} ...)
 * @param seed the task's own random key (data draws, noise, minibatches, phi_0)
 * @param kind {@code one-vs-rest} or {@code multiclass}
 * @param classes the positive class (one-vs-rest) or the task's classes (multiclass), as
 *     Fashion-MNIST labels
 * @param classWeights training class proportions of a multiclass task (sums to 1)
 * @param metaTestPool whether train and validation data come from the meta-test part of the pool
 * @param observationSteps the K steps at which the metric is observed on the validation split
 * @param probePairs P: at every observation step the metric is also observed at P antithetic pairs
 *     phi_t +- delta (meta-training only, docs/DESIGN.md section 3.3); 0 for none
 * @param probeRadius the expected norm of each probe offset delta
 */
public record TaskSpec(
        String stream,
        long iteration,
        int index,
        long seed,
        String family,
        String kind,
        String metric,
        String loss,
        int[] classes,
        double positiveFraction,
        int minEvalPositives,
        double labelNoise,
        double[] classWeights,
        double contrast,
        double brightness,
        double noiseStd,
        double rotationDeg,
        int trainSize,
        int valSize,
        int testSize,
        boolean metaTestPool,
        int steps,
        int[] observationSteps,
        int batchSize,
        String optimizer,
        double learningRate,
        double momentum,
        double phiInitStd,
        int probePairs,
        double probeRadius)
        implements Serializable {

    /** A stable, human-readable identifier: {@code stream/iteration/index}. */
    public String id() {
        return stream + "/" + iteration + "/" + index;
    }

    public boolean isBinary() {
        return "one-vs-rest".equals(kind);
    }

    /** Number of output columns the metric sees: 1 score for binary tasks, else C logits. */
    public int numOutputs() {
        return isBinary() ? 1 : classes.length;
    }

    /** The same task finetuned on another surrogate loss. */
    public TaskSpec withLoss(String newLoss) {
        return copy(newLoss, optimizer, learningRate);
    }

    /** The same task with another inner-loop optimizer and learning rate (for baselines). */
    public TaskSpec withOptimizer(String newOptimizer, double newLearningRate) {
        return copy(loss, newOptimizer, newLearningRate);
    }

    /** The same task with P antithetic metric probes of the given radius at every observation. */
    public TaskSpec withProbes(int pairs, double radius) {
        return copy(loss, optimizer, learningRate, pairs, radius);
    }

    private TaskSpec copy(String newLoss, String newOptimizer, double newLearningRate) {
        return copy(newLoss, newOptimizer, newLearningRate, probePairs, probeRadius);
    }

    /** This task with the finetuning settings a method may change; everything else is kept. */
    private TaskSpec copy(
            String newLoss,
            String newOptimizer,
            double newLearningRate,
            int newProbePairs,
            double newProbeRadius) {
        return new TaskSpec(
                stream,
                iteration,
                index,
                seed,
                family,
                kind,
                metric,
                newLoss,
                classes,
                positiveFraction,
                minEvalPositives,
                labelNoise,
                classWeights,
                contrast,
                brightness,
                noiseStd,
                rotationDeg,
                trainSize,
                valSize,
                testSize,
                metaTestPool,
                steps,
                observationSteps,
                batchSize,
                newOptimizer,
                newLearningRate,
                momentum,
                phiInitStd,
                newProbePairs,
                newProbeRadius);
    }
}
