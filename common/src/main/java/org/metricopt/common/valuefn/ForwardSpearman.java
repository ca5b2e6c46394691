package org.metricopt.common.valuefn;

import org.metricopt.common.unroll.PhiOptimizer;
import org.metricopt.common.unroll.Trajectory;

/**
 * The forward Spearman of MetricOpt's online-adapted value function on one of its unrolls
 * (docs/DESIGN.md section 6): the unroll is replayed through a {@link MetricOptRule} that sees the
 * same phi_t and observations in the same order (so it adapts exactly as during the unroll), and
 * after each observation k the value function ranks the later observations k+1..K. This is what
 * matters for MetricOpt: whether its gradient points where the metric has not been yet.
 */
public final class ForwardSpearman {
    private ForwardSpearman() {}

    /** The replay's base optimizer: it leaves phi alone (the replay follows the recorded path). */
    private static final PhiOptimizer NONE = (phi, grad, t) -> {};

    /**
     * What a replay gives.
     *
     * @param spearman one per observation k with at least three later observations: the Spearman
     *     correlation between f after observation k and the later observed metrics (NaN where
     *     undefined)
     * @param adaptedWeights the value function's weights at the end of the replay, which equal
     *     those of the unroll's own rule
     */
    public record Replay(double[] spearman, float[] adaptedWeights) {}

    /**
     * Replays MetricOpt's unroll {@code t}.
     *
     * @param taskSeed the task's seed (the rule's keyed generators)
     */
    public static Replay of(
            ValueLearner learner,
            float[] weights,
            InputScaler scaler,
            Trajectory t,
            long taskSeed) {
        int d = t.adapterDim();
        int[] steps = t.observedSteps();
        double[] observed = t.observedMetrics();
        int kMax = steps.length - 3;
        double[] out = new double[Math.max(0, kMax)];
        java.util.Arrays.fill(out, Double.NaN);
        float[] zero = new float[d];
        try (MetricOptRule rule =
                new MetricOptRule(NONE, learner, weights, scaler, d, t.family(), 0.0, taskSeed)) {
            rule.begin(t.features());
            int k = 0;
            for (int s = 0; s <= t.steps(); s++) {
                float[] phi = t.phi(s);
                if (k < steps.length && steps[k] == s) {
                    if (Double.isFinite(observed[k])) {
                        rule.observe(s, observed[k], phi);
                    }
                    if (k < kMax) {
                        int later = steps.length - k - 1;
                        float[] phis = new float[later * d];
                        double[] laterObserved = new double[later];
                        for (int j = 0; j < later; j++) {
                            System.arraycopy(t.phis(), steps[k + 1 + j] * d, phis, j * d, d);
                            laterObserved[j] = observed[k + 1 + j];
                        }
                        float[] p = rule.predict(phis);
                        double[] pd = new double[later];
                        for (int j = 0; j < later; j++) {
                            pd[j] = p[j];
                        }
                        out[k] = ValueDiagnostics.spearman(pd, laterObserved, 0);
                    }
                    k++;
                }
                if (s < t.steps()) {
                    rule.step(phi, zero, s);
                }
            }
            return new Replay(out, rule.adaptedWeights());
        }
    }
}
