package org.metricopt.driver.export;

import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.outer.MetaState;

/**
 * The meta-learned models of one checkpoint, as an export needs them. This is the only place the
 * export reads the meta-state's array names; everything else works on this record.
 *
 * @param iteration meta-iterations completed (the checkpoint's next iteration)
 * @param configFingerprint the fingerprint of the configuration that produced the checkpoint
 * @param valueWeights the value function's flat weights (ValueFunction's layout)
 * @param scalerMean the mean of its input scaler
 * @param scalerStd the standard deviation of its input scaler
 * @param learnedWeights the learned optimizer's flat weights, or null when the run has none
 */
public record CheckpointModels(
        long iteration,
        String configFingerprint,
        float[] valueWeights,
        float[] scalerMean,
        float[] scalerStd,
        float[] learnedWeights) {

    public boolean hasLearnedOptimizer() {
        return learnedWeights != null;
    }

    /**
     * The models of {@code state}; a checkpoint written before the first meta-iteration ended has
     * no input scaler yet, so no usable value function: that is an error naming {@code source}.
     */
    public static CheckpointModels of(MetaState state, String source) {
        if (!state.has(MetaState.VALUE_WEIGHTS)
                || !state.has(MetaState.SCALER_MEAN)
                || !state.has(MetaState.SCALER_STD)) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "the checkpoint "
                            + source
                            + " (iteration "
                            + state.iteration()
                            + ") has no value function with its input scaler yet; export needs"
                            + " at least one completed meta-iteration");
        }
        return new CheckpointModels(
                state.iteration(),
                state.configFingerprint(),
                state.array(MetaState.VALUE_WEIGHTS),
                state.array(MetaState.SCALER_MEAN),
                state.array(MetaState.SCALER_STD),
                state.has(MetaState.LEARNED_WEIGHTS)
                        ? state.array(MetaState.LEARNED_WEIGHTS)
                        : null);
    }
}
