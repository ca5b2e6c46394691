package org.metricopt.common.learned;

import java.util.ArrayList;
import java.util.List;
import org.metricopt.common.metrics.Metric;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.InnerLoop;
import org.metricopt.common.valuefn.TaskValueFunction;

/**
 * M unrolls of one task by M learned optimizers (the perturbed copies of an ES batch) run as one
 * population: all members start from the task's phi_0 and see the same minibatch at every step, so
 * each step is one batched loss-and-gradient graph ({@link TaskNetwork#populationLossAndGradient})
 * and one batched value-function prediction for all members, instead of M of each. The per-member
 * arithmetic is that of {@link org.metricopt.common.unroll.InnerLoop} with a {@link
 * PredictedMetricRule}; only float rounding differs (tested against it).
 *
 * <p>The members' metric input comes from a {@link MemberMetrics}: the adapted value function's
 * predictions at every step (supp. Eq. 2; the black-box metric is not called), or the metric
 * observed at the task's observation steps ({@code learned-optimizer.metric-source = observed}).
 */
public final class PopulationUnroll {
    private PopulationUnroll() {}

    /**
     * One member's trajectory: phi_0..phi_T ([T + 1] x d) and the surrogate loss at each step;
     * {@code finite} is false once phi or the loss stopped being finite (the member diverged).
     * {@code metrics} holds the metric inputs {@link MemberMetrics} gave it, in order (empty for
     * predictions, which L_opt recomputes over the whole trajectory).
     */
    public record Member(float[] phis, float[] losses, boolean finite, double[] metrics) {}

    /** Where the members' metric input M_t comes from. */
    public interface MemberMetrics {
        /**
         * M_t of every member at step t (phis: members x d), or null to hold each member's last
         * one. Called at every t = 0..T; a NaN entry holds that member's last value.
         */
        double[] at(int t, float[] phis, int members);

        /** Whether the values given are kept in {@link Member#metrics}. */
        boolean recorded();
    }

    /** The adapted value function's prediction at every step that a step follows (t < T). */
    public static MemberMetrics predicted(TaskValueFunction f, int steps) {
        return new MemberMetrics() {
            @Override
            public double[] at(int t, float[] phis, int members) {
                if (t == steps) {
                    return null;
                }
                float[] p = f.predict(phis);
                double[] out = new double[members];
                for (int m = 0; m < members; m++) {
                    out[m] = p[m];
                }
                return out;
            }

            @Override
            public boolean recorded() {
                return false;
            }
        };
    }

    /**
     * The black-box metric on the task's validation split at the task's observation steps, held
     * between them, as {@link InnerLoop} gives it to the optimizer at meta-test; recorded for
     * L_metric. A failed call is NaN (the member holds its last value).
     */
    public static MemberMetrics observed(
            TaskSpec spec, TaskNetwork net, TaskData data, Metric metric) {
        int[] at = spec.observationSteps();
        int d = net.adapterDim();
        return new MemberMetrics() {
            @Override
            public double[] at(int t, float[] phis, int members) {
                if (java.util.Arrays.binarySearch(at, t) < 0) {
                    return null;
                }
                double[] out = new double[members];
                for (int m = 0; m < members; m++) {
                    float[] phi = java.util.Arrays.copyOfRange(phis, m * d, (m + 1) * d);
                    out[m] = InnerLoop.validationMetric(metric, net, data, phi, spec.numOutputs());
                }
                return out;
            }

            @Override
            public boolean recorded() {
                return true;
            }
        };
    }

    /** Unrolls with the adapted value function's predictions as every member's metric input. */
    public static List<Member> run(
            TaskSpec spec,
            TaskNetwork net,
            TaskValueFunction f,
            List<LearnedOptimizer> optimizers) {
        return run(spec, net, optimizers, predicted(f, spec.steps()));
    }

    public static List<Member> run(
            TaskSpec spec,
            TaskNetwork net,
            List<LearnedOptimizer> optimizers,
            MemberMetrics metrics) {
        int members = optimizers.size();
        int d = net.adapterDim();
        int steps = spec.steps();
        float[] phi0 = InnerLoop.initialPhi(spec, d);
        float[] all = new float[members * d];
        for (int m = 0; m < members; m++) {
            System.arraycopy(phi0, 0, all, m * d, d);
        }
        float[][] phis = new float[members][(steps + 1) * d];
        float[][] losses = new float[members][steps + 1];
        boolean[] finite = new boolean[members];
        java.util.Arrays.fill(finite, true);
        float[] grads = new float[members * d];
        float[] phi = new float[d];
        float[] grad = new float[d];
        List<double[]> given = new ArrayList<>();
        for (int t = 0; t <= steps; t++) {
            for (int m = 0; m < members; m++) {
                System.arraycopy(all, m * d, phis[m], t * d, d);
            }
            double[] metric = metrics.at(t, all, members);
            if (metric != null) {
                for (int m = 0; m < members; m++) {
                    optimizers.get(m).setMetric(metric[m]);
                }
                if (metrics.recorded()) {
                    given.add(metric);
                }
            }
            int[] rows = InnerLoop.minibatch(spec, t);
            if (t == steps) {
                float[] last = net.populationLossAndGradient(all, members, rows, null);
                for (int m = 0; m < members; m++) {
                    losses[m][t] = last[m];
                    finite[m] &= Float.isFinite(last[m]);
                }
                break;
            }
            float[] stepLosses = net.populationLossAndGradient(all, members, rows, grads);
            for (int m = 0; m < members; m++) {
                losses[m][t] = stepLosses[m];
                System.arraycopy(all, m * d, phi, 0, d);
                System.arraycopy(grads, m * d, grad, 0, d);
                optimizers.get(m).step(phi, grad, stepLosses[m], t);
                System.arraycopy(phi, 0, all, m * d, d);
                finite[m] &= Float.isFinite(stepLosses[m]) && Stats.allFinite(phi);
            }
        }
        List<Member> out = new ArrayList<>(members);
        for (int m = 0; m < members; m++) {
            double[] mine = new double[given.size()];
            for (int k = 0; k < mine.length; k++) {
                mine[k] = given.get(k)[m];
            }
            out.add(new Member(phis[m], losses[m], finite[m], mine));
        }
        return out;
    }
}
