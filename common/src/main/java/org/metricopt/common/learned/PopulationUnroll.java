package org.metricopt.common.learned;

import java.util.ArrayList;
import java.util.List;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.stats.Stats;
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
 * <p>As in ES pairs run one by one, the black-box metric is not called: L_opt uses the adapted
 * value function's predictions, not the sparse observations.
 */
public final class PopulationUnroll {
    private PopulationUnroll() {}

    /**
     * One member's trajectory: phi_0..phi_T ([T + 1] x d) and the surrogate loss at each step;
     * {@code finite} is false once phi or the loss stopped being finite (the member diverged).
     */
    public record Member(float[] phis, float[] losses, boolean finite) {}

    public static List<Member> run(
            TaskSpec spec,
            TaskNetwork net,
            TaskValueFunction f,
            List<LearnedOptimizer> optimizers) {
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
        for (int t = 0; t <= steps; t++) {
            for (int m = 0; m < members; m++) {
                System.arraycopy(all, m * d, phis[m], t * d, d);
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
            float[] predicted = f.predict(all);
            for (int m = 0; m < members; m++) {
                losses[m][t] = stepLosses[m];
                System.arraycopy(all, m * d, phi, 0, d);
                System.arraycopy(grads, m * d, grad, 0, d);
                LearnedOptimizer opt = optimizers.get(m);
                opt.setMetric(predicted[m]);
                opt.step(phi, grad, stepLosses[m], t);
                System.arraycopy(phi, 0, all, m * d, d);
                finite[m] &= Float.isFinite(stepLosses[m]) && Stats.allFinite(phi);
            }
        }
        List<Member> out = new ArrayList<>(members);
        for (int m = 0; m < members; m++) {
            out.add(new Member(phis[m], losses[m], finite[m]));
        }
        return out;
    }
}
