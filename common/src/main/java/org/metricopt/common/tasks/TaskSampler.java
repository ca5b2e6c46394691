package org.metricopt.common.tasks;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.metricopt.common.config.FamilyConfig;
import org.metricopt.common.config.InnerLoopConfig;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.TaskDistributionConfig;
import org.metricopt.common.rng.Keys;

/**
 * Seeded sampler of p(T). A task is a pure function of (run seed, stream, iteration, index), so the
 * driver can re-create any task without storing it. Streams are disjoint by construction: their
 * keys differ, and meta-test tasks draw their training and validation examples from a part of the
 * task pool that no other stream touches ({@code data.meta-test-pool-fraction}).
 */
public final class TaskSampler {
    /** Tasks of meta-training iterations. */
    public static final String META_TRAIN = "meta-train";

    /** Held-out tasks of the final evaluation. */
    public static final String META_TEST = "meta-test";

    /** Tasks on which baselines and MetricOpt tune hyperparameters; never reported. */
    public static final String VALIDATION = "validation";

    /** Tasks of the {@code finetune} command. */
    public static final String FINETUNE = "finetune";

    public static final List<String> STREAMS = List.of(META_TRAIN, META_TEST, VALIDATION, FINETUNE);
    private static final int NUM_CLASSES = 10;

    private final long seed;
    private final TaskDistributionConfig tasks;
    private final InnerLoopConfig inner;

    public TaskSampler(MetricOptConfig config) {
        this(config.seed(), config.tasks(), config.inner());
    }

    public TaskSampler(long seed, TaskDistributionConfig tasks, InnerLoopConfig inner) {
        this.seed = seed;
        this.tasks = tasks;
        this.inner = inner;
    }

    /** The task at (stream, iteration, index). */
    public TaskSpec sample(String stream, long iteration, int index) {
        if (!STREAMS.contains(stream)) {
            throw new IllegalArgumentException(
                    "task stream '" + stream + "' is unknown; allowed: " + STREAMS);
        }
        SplittableRandom rng = Keys.rng(seed, "task:" + stream, iteration, index);
        return build(rng, pickFamily(rng), stream, iteration, index);
    }

    /**
     * The task at (stream, iteration, index) of one given family: evaluation samples the same
     * number of tasks from every family instead of drawing families from the mixture.
     */
    public TaskSpec sampleFamily(String stream, String familyName, long iteration, int index) {
        FamilyConfig family = tasks.families().get(familyName);
        if (family == null || !STREAMS.contains(stream)) {
            throw new IllegalArgumentException(
                    "no task family '"
                            + familyName
                            + "' in stream '"
                            + stream
                            + "'; families: "
                            + tasks.families().keySet());
        }
        SplittableRandom rng =
                Keys.rng(seed, "task:" + stream + ":" + familyName, iteration, index);
        return build(rng, family, stream, iteration, index);
    }

    private TaskSpec build(
            SplittableRandom rng, FamilyConfig family, String stream, long iteration, int index) {
        int[] classes;
        double[] weights;
        double positiveFraction = 0.0;
        double labelNoise = 0.0;
        if (FamilyConfig.ONE_VS_REST.equals(family.kind())) {
            classes = new int[] {rng.nextInt(NUM_CLASSES)};
            weights = new double[] {1.0};
            positiveFraction = family.positiveFraction().sample(rng);
        } else {
            int c = Math.max(2, Math.min(NUM_CLASSES, family.numClasses().sampleInt(rng)));
            classes = Keys.sampleWithoutReplacement(rng, NUM_CLASSES, c);
            Arrays.sort(classes);
            weights = imbalancedWeights(rng, c, family.imbalanceRatio().sample(rng));
            labelNoise = family.labelNoise().sample(rng);
        }
        double contrast = family.contrast().sample(rng);
        double brightness = family.brightness().sample(rng);
        double noiseStd = family.noiseStd().sample(rng);
        double rotation = family.rotationDeg().sample(rng);
        long taskSeed =
                Keys.derive(seed, "task-seed:" + stream + ":" + family.name(), iteration, index);
        return TaskSpec.builder().stream(stream)
                .iteration(iteration)
                .index(index)
                .seed(taskSeed)
                .family(family.name())
                .kind(family.kind())
                .metric(family.metric())
                .loss(family.loss())
                .classes(classes)
                .positiveFraction(positiveFraction)
                .minEvalPositives(family.minEvalPositives())
                .labelNoise(labelNoise)
                .classWeights(weights)
                .contrast(contrast)
                .brightness(brightness)
                .noiseStd(noiseStd)
                .rotationDeg(rotation)
                .trainSize(tasks.trainSize())
                .valSize(tasks.valSize())
                .testSize(tasks.testSize())
                .metaTestPool(META_TEST.equals(stream))
                .steps(inner.steps())
                .observationSteps(inner.observationSteps())
                .batchSize(inner.batchSize())
                .optimizer(inner.optimizer())
                .learningRate(inner.learningRate())
                .momentum(inner.sgdMomentum())
                .phiInitStd(inner.phiInitStd())
                .build();
    }

    /** A batch of {@code n} tasks of one iteration. */
    public List<TaskSpec> sampleBatch(String stream, long iteration, int n) {
        TaskSpec[] out = new TaskSpec[n];
        for (int i = 0; i < n; i++) {
            out[i] = sample(stream, iteration, i);
        }
        return List.of(out);
    }

    private FamilyConfig pickFamily(SplittableRandom rng) {
        double total = 0;
        for (double w : tasks.mixture().values()) {
            total += w;
        }
        double u = rng.nextDouble() * total;
        String chosen = null;
        for (Map.Entry<String, Double> e : tasks.mixture().entrySet()) {
            chosen = e.getKey();
            u -= e.getValue();
            if (u < 0) {
                break;
            }
        }
        return tasks.families().get(chosen);
    }

    /**
     * Class proportions with the given ratio of most to least frequent class: geometric profile
     * over a random order of the classes.
     */
    static double[] imbalancedWeights(SplittableRandom rng, int c, double ratio) {
        int[] order = Keys.sampleWithoutReplacement(rng, c, c);
        double[] w = new double[c];
        double sum = 0;
        for (int j = 0; j < c; j++) {
            w[order[j]] = Math.pow(ratio, -(double) j / (c - 1));
            sum += w[order[j]];
        }
        for (int j = 0; j < c; j++) {
            w[j] /= sum;
        }
        return w;
    }
}
