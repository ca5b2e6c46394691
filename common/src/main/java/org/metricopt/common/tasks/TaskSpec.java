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
        return toBuilder().loss(newLoss).build();
    }

    /** The same task with another inner-loop optimizer and learning rate (for baselines). */
    public TaskSpec withOptimizer(String newOptimizer, double newLearningRate) {
        return toBuilder().optimizer(newOptimizer).learningRate(newLearningRate).build();
    }

    /** The same task with P antithetic metric probes of the given radius at every observation. */
    public TaskSpec withProbes(int pairs, double radius) {
        return toBuilder().probePairs(pairs).probeRadius(radius).build();
    }

    /** A builder with every field unset; {@link Builder#build} checks the required ones. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this task's fields. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.stream = stream;
        b.iteration = iteration;
        b.index = index;
        b.seed = seed;
        b.family = family;
        b.kind = kind;
        b.metric = metric;
        b.loss = loss;
        b.classes = classes;
        b.positiveFraction = positiveFraction;
        b.minEvalPositives = minEvalPositives;
        b.labelNoise = labelNoise;
        b.classWeights = classWeights;
        b.contrast = contrast;
        b.brightness = brightness;
        b.noiseStd = noiseStd;
        b.rotationDeg = rotationDeg;
        b.trainSize = trainSize;
        b.valSize = valSize;
        b.testSize = testSize;
        b.metaTestPool = metaTestPool;
        b.steps = steps;
        b.observationSteps = observationSteps;
        b.batchSize = batchSize;
        b.optimizer = optimizer;
        b.learningRate = learningRate;
        b.momentum = momentum;
        b.phiInitStd = phiInitStd;
        b.probePairs = probePairs;
        b.probeRadius = probeRadius;
        return b;
    }

    /**
     * Builds a {@link TaskSpec} field by field, by name. Identity, family, data, metric, loss,
     * optimizer and the inner loop's length must be set; the numbers that are 0 by default (label
     * noise, input shift, momentum, probes...) may be left out.
     */
    public static final class Builder {
        private String stream;
        private long iteration;
        private int index;
        private long seed;
        private String family;
        private String kind;
        private String metric;
        private String loss;
        private int[] classes;
        private double positiveFraction;
        private int minEvalPositives;
        private double labelNoise;
        private double[] classWeights;
        private double contrast;
        private double brightness;
        private double noiseStd;
        private double rotationDeg;
        private int trainSize;
        private int valSize;
        private int testSize;
        private boolean metaTestPool;
        private int steps;
        private int[] observationSteps;
        private int batchSize;
        private String optimizer;
        private double learningRate;
        private double momentum;
        private double phiInitStd;
        private int probePairs;
        private double probeRadius;

        private Builder() {}

        public Builder stream(String v) {
            this.stream = v;
            return this;
        }

        public Builder iteration(long v) {
            this.iteration = v;
            return this;
        }

        public Builder index(int v) {
            this.index = v;
            return this;
        }

        public Builder seed(long v) {
            this.seed = v;
            return this;
        }

        public Builder family(String v) {
            this.family = v;
            return this;
        }

        public Builder kind(String v) {
            this.kind = v;
            return this;
        }

        public Builder metric(String v) {
            this.metric = v;
            return this;
        }

        public Builder loss(String v) {
            this.loss = v;
            return this;
        }

        public Builder classes(int[] v) {
            this.classes = v;
            return this;
        }

        public Builder positiveFraction(double v) {
            this.positiveFraction = v;
            return this;
        }

        public Builder minEvalPositives(int v) {
            this.minEvalPositives = v;
            return this;
        }

        public Builder labelNoise(double v) {
            this.labelNoise = v;
            return this;
        }

        public Builder classWeights(double[] v) {
            this.classWeights = v;
            return this;
        }

        public Builder contrast(double v) {
            this.contrast = v;
            return this;
        }

        public Builder brightness(double v) {
            this.brightness = v;
            return this;
        }

        public Builder noiseStd(double v) {
            this.noiseStd = v;
            return this;
        }

        public Builder rotationDeg(double v) {
            this.rotationDeg = v;
            return this;
        }

        public Builder trainSize(int v) {
            this.trainSize = v;
            return this;
        }

        public Builder valSize(int v) {
            this.valSize = v;
            return this;
        }

        public Builder testSize(int v) {
            this.testSize = v;
            return this;
        }

        public Builder metaTestPool(boolean v) {
            this.metaTestPool = v;
            return this;
        }

        public Builder steps(int v) {
            this.steps = v;
            return this;
        }

        public Builder observationSteps(int[] v) {
            this.observationSteps = v;
            return this;
        }

        public Builder batchSize(int v) {
            this.batchSize = v;
            return this;
        }

        public Builder optimizer(String v) {
            this.optimizer = v;
            return this;
        }

        public Builder learningRate(double v) {
            this.learningRate = v;
            return this;
        }

        public Builder momentum(double v) {
            this.momentum = v;
            return this;
        }

        public Builder phiInitStd(double v) {
            this.phiInitStd = v;
            return this;
        }

        public Builder probePairs(int v) {
            this.probePairs = v;
            return this;
        }

        public Builder probeRadius(double v) {
            this.probeRadius = v;
            return this;
        }

        public TaskSpec build() {
            require(stream, "stream");
            require(family, "family");
            require(kind, "kind");
            require(metric, "metric");
            require(loss, "loss");
            require(classes, "classes");
            require(optimizer, "optimizer");
            require(observationSteps, "observationSteps");
            if (steps < 1 || batchSize < 1 || trainSize < 1) {
                throw new IllegalArgumentException(
                        "task spec: steps, batchSize and trainSize must be positive; got "
                                + steps
                                + ", "
                                + batchSize
                                + ", "
                                + trainSize);
            }
            return new TaskSpec(
                    stream,
                    iteration,
                    index,
                    seed,
                    family,
                    kind,
                    metric,
                    loss,
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
                    optimizer,
                    learningRate,
                    momentum,
                    phiInitStd,
                    probePairs,
                    probeRadius);
        }

        private static void require(Object value, String name) {
            if (value == null) {
                throw new IllegalArgumentException("task spec: " + name + " is not set");
            }
        }
    }
}
