package org.metricopt.common.valuefn;

import java.io.Serializable;
import org.metricopt.common.interp.Interpolation;

/**
 * What adapting the value function to one meta-training task gave (supp. Algorithm 1 line 5;
 * docs/DESIGN.md section 4.1): the adapted weights w~ with the task's context c and offset (what f
 * = offset + g([phi, c]) needs), and for the logs the GP, the prior's predictions along the path
 * and the ranking figures. It depends only on the task's trajectory, its spec, the meta-weights and
 * the scaler, so it is computed wherever the trajectory is: on the executor that unrolled the task,
 * or on the driver.
 *
 * @param index the task's index in its meta-iteration
 * @param weightsHash {@link ValueLearner#weightsHash} of the meta-weights it was adapted from: the
 *     driver refuses an adaptation of other weights than its own
 */
public record TaskAdaptation(
        int index,
        long weightsHash,
        float[] adapted,
        float[] context,
        double offset,
        Interpolation interp,
        float[] prior,
        double lossBefore,
        double lossAfter,
        double spearmanPrior,
        double spearmanStep)
        implements Serializable {}
