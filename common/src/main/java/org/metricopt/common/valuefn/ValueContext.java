package org.metricopt.common.valuefn;

/**
 * The context vector c of a task that the value function f(phi, c) is conditioned on
 * (docs/DESIGN.md section 3.2): a one-hot of the task's family among the configured families, the
 * metric observed at phi_0 (the first observation, made before any step), and the {@link
 * TaskFeatures}. Everything in it is known at meta-test before the first step, without test labels.
 */
public final class ValueContext {
    private ValueContext() {}

    /** Length of the context of a run with {@code families} task families. */
    public static int size(int families) {
        return families + 1 + TaskFeatures.SIZE;
    }

    /**
     * @param familyIndex the task's family's position among the configured families
     * @param initialMetric M_0, the metric observed at phi_0 (NaN when that call was dropped: the
     *     scaler's mean is used instead, so it carries no information)
     * @param scalerMean the value function's input scaler mean over (phi, c), to fill a missing
     *     M_0; may be null when M_0 is finite
     */
    public static float[] of(
            int familyIndex,
            int families,
            double initialMetric,
            float[] features,
            int adapterDim,
            float[] scalerMean) {
        if (familyIndex < 0 || familyIndex >= families) {
            throw new IllegalArgumentException(
                    "family index " + familyIndex + " is outside [0, " + families + ")");
        }
        if (features.length != TaskFeatures.SIZE) {
            throw new IllegalArgumentException(
                    "task features have "
                            + features.length
                            + " numbers, expected "
                            + TaskFeatures.SIZE);
        }
        float[] c = new float[size(families)];
        c[familyIndex] = 1f;
        c[families] =
                Double.isFinite(initialMetric)
                        ? (float) initialMetric
                        : scalerMean[adapterDim + families];
        System.arraycopy(features, 0, c, families + 1, features.length);
        return c;
    }
}
