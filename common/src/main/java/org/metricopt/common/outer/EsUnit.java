package org.metricopt.common.outer;

import java.io.Serializable;
import org.metricopt.common.tasks.TaskSpec;

/**
 * Antithetic ES pairs {@code firstPair .. firstPair + pairs - 1} of one task in phase B: which task
 * (its slot in the iteration's batch, whose adapted value function is in the broadcast) and which
 * pairs. The perturbations themselves are not shipped: the executor regenerates each from (run
 * seed, iteration, task, pair). A unit of several pairs is unrolled as one population when the
 * network allows it (see {@link EsPartition}).
 */
public record EsUnit(TaskSpec spec, long iteration, int task, int firstPair, int pairs)
        implements Serializable {
    public EsUnit {
        if (firstPair < 0 || pairs < 1) {
            throw new IllegalArgumentException(
                    "ES unit needs firstPair >= 0 and pairs >= 1; got " + firstPair + ", " + pairs);
        }
    }
}
