package org.metricopt.executor;

import java.io.Serializable;
import org.metricopt.common.valuefn.InputScaler;

/**
 * What meta-test's unrolls read from the meta-state, broadcast once (docs/DESIGN.md section 6): the
 * meta-learned value function with its input scaler, and the learned optimizer's weights (empty
 * when the run has none). Phase A of a joint meta-iteration with learned-optimizer unrolls sends
 * only the latter.
 */
public record MetaTestPayload(
        float[] valueWeights, float[] scalerMean, float[] scalerStd, float[] learnedWeights)
        implements Serializable {

    /** The learned optimizer's weights alone (phase A of a joint meta-iteration). */
    public static MetaTestPayload learnedOnly(float[] learnedWeights) {
        return new MetaTestPayload(new float[0], new float[0], new float[0], learnedWeights);
    }

    public InputScaler scaler() {
        return new InputScaler(scalerMean, scalerStd);
    }

    public boolean hasLearnedOptimizer() {
        return learnedWeights.length > 0;
    }

    /** Bytes of the floats it carries. */
    public long floatBytes() {
        return 4L
                * (valueWeights.length
                        + scalerMean.length
                        + scalerStd.length
                        + learnedWeights.length);
    }
}
