package org.metricopt.common.outer;

import java.io.Serializable;
import java.util.List;
import org.metricopt.common.valuefn.InputScaler;

/**
 * What phase B's ES pairs read, broadcast once per meta-iteration (docs/DESIGN.md section 4): the
 * learned optimizer's weights w_opt, the value function's input scaler, and per task of the
 * iteration (by task index) its adapted value function.
 *
 * @param tasks one entry per task of the iteration, in task order; {@link AdaptedValue#NONE} for a
 *     task that failed phase A
 */
public record PhaseBPayload(
        float[] learnedWeights, float[] scalerMean, float[] scalerStd, List<AdaptedValue> tasks)
        implements Serializable {

    /**
     * One task's adapted value function f = offset + g([phi, c]): the adapted weights w~ of g, the
     * task's context c (empty for a value function of phi alone) and the offset M_0 (0 unless the
     * value function is residual).
     */
    public record AdaptedValue(float[] weights, float[] context, double offset)
            implements Serializable {
        /** The entry of a task that failed phase A: phase B has no pairs for it. */
        public static final AdaptedValue NONE = new AdaptedValue(new float[0], new float[0], 0.0);
    }

    public PhaseBPayload {
        tasks = List.copyOf(tasks);
    }

    /** Task {@code k}'s adapted value function. */
    public AdaptedValue task(int k) {
        return tasks.get(k);
    }

    public InputScaler scaler() {
        return new InputScaler(scalerMean, scalerStd);
    }

    /** Bytes of the numbers it carries. */
    public long bytes() {
        long n = 4L * (learnedWeights.length + scalerMean.length + scalerStd.length);
        for (AdaptedValue t : tasks) {
            n += 4L * (t.weights().length + t.context().length) + 8L;
        }
        return n;
    }
}
