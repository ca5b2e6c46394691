package org.metricopt.common.outer;

import java.io.Serializable;
import org.metricopt.common.valuefn.InputScaler;

/**
 * What phase B's ES pairs read, broadcast once per meta-iteration (docs/DESIGN.md section 4): the
 * learned optimizer's weights w_opt, and per task of the iteration (by task index) its adapted
 * value function: weights, context c and offset M_0 (f = M_0 + g([phi, c]); an empty context and
 * offset 0 for a value function of phi alone). A task that failed phase A has empty weights.
 */
public record PhaseBPayload(
        float[] learnedWeights,
        float[] scalerMean,
        float[] scalerStd,
        float[][] taskValueWeights,
        float[][] taskContexts,
        double[] taskOffsets)
        implements Serializable {
    public PhaseBPayload {
        if (taskContexts.length != taskValueWeights.length
                || taskOffsets.length != taskValueWeights.length) {
            throw new IllegalArgumentException(
                    "phase B payload: "
                            + taskValueWeights.length
                            + " value functions, "
                            + taskContexts.length
                            + " contexts and "
                            + taskOffsets.length
                            + " offsets; one each per task");
        }
    }

    public InputScaler scaler() {
        return new InputScaler(scalerMean, scalerStd);
    }

    /** Bytes of the numbers it carries. */
    public long bytes() {
        long n = 4L * (learnedWeights.length + scalerMean.length + scalerStd.length);
        for (int k = 0; k < taskValueWeights.length; k++) {
            n += 4L * (taskValueWeights[k].length + taskContexts[k].length) + 8L;
        }
        return n;
    }
}
