package org.metricopt.common.unroll;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.valuefn.TaskFeatures;

/**
 * Trajectories without an unroll, for the learner's tests and for {@code bench driver-scale}, which
 * times the driver's learning on many tasks without running them.
 */
public final class SyntheticTrajectory {
    private SyntheticTrajectory() {}

    /**
     * A synthetic phase-A trajectory: the optimizer walks along a random direction v of its own
     * (from the task's seed), and every observation and antithetic probe pair (spec.probePairs() of
     * them) is the true metric m_0 - 0.02 u.phi at that point, which falls along {@code u} whatever
     * the path. The adapter dimension is u's length.
     */
    public static Trajectory of(
            TaskSpec spec, int index, String family, float[] u, int steps, int[] observedSteps) {
        int d = u.length;
        int pairs = spec.probePairs();
        SplittableRandom rng = new SplittableRandom(spec.seed());
        float[] v = new float[d];
        for (int i = 0; i < d; i++) {
            v[i] = (float) (0.2 * (rng.nextDouble() - 0.5));
        }
        double m0 = 0.2 + 0.3 * rng.nextDouble();
        float[] phis = new float[(steps + 1) * d];
        for (int t = 0; t <= steps; t++) {
            for (int i = 0; i < d; i++) {
                phis[t * d + i] = t * v[i];
            }
        }
        double[] observed = new double[observedSteps.length];
        double[] probes = new double[observedSteps.length * pairs * 2];
        for (int k = 0; k < observedSteps.length; k++) {
            float[] phi =
                    Arrays.copyOfRange(phis, observedSteps[k] * d, (observedSteps[k] + 1) * d);
            observed[k] = syntheticMetric(m0, u, phi);
            for (int p = 0; p < pairs; p++) {
                float[] delta = Probes.delta(spec.seed(), k, p, d, spec.probeRadius());
                float[] plus = phi.clone();
                float[] minus = phi.clone();
                for (int i = 0; i < d; i++) {
                    plus[i] += delta[i];
                    minus[i] -= delta[i];
                }
                probes[(k * pairs + p) * 2] = syntheticMetric(m0, u, plus);
                probes[(k * pairs + p) * 2 + 1] = syntheticMetric(m0, u, minus);
            }
        }
        float[] features = new float[TaskFeatures.SIZE];
        features[0] = (float) rng.nextDouble();
        return new Trajectory(
                spec.id(),
                index,
                family,
                "ce-sgd",
                TaskStatus.OK,
                "",
                d,
                phis,
                new float[steps + 1],
                observedSteps.clone(),
                observed,
                observed.clone(),
                observed[0],
                observed[observedSteps.length - 1],
                observed[0],
                features,
                probes,
                new double[0],
                0L);
    }

    private static double syntheticMetric(double m0, float[] u, float[] phi) {
        double s = 0;
        for (int i = 0; i < u.length; i++) {
            s += u[i] * phi[i];
        }
        return m0 - 0.02 * s;
    }
}
