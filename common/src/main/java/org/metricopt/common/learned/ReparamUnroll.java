package org.metricopt.common.learned;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import org.metricopt.common.nets.Autograd;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.InnerLoop;
import org.metricopt.common.valuefn.ValueFunction;

/**
 * The reparameterisation estimator's sample (DESIGN.md section 4): the unroll of {@link
 * LearnedOptimizer} rebuilt as a DJL autograd graph in w_opt, L_opt (supp. Eq. 2) computed on it,
 * and back-propagated to w_opt.
 *
 * <p><b>First order.</b> The optimizer's inputs that are themselves derivatives or observations —
 * the loss gradient g_t and its running moments, the loss and metric values fed in as features —
 * are treated as constants; gradients flow through phi_t (as an input of the optimizer, of the
 * surrogate loss and of the value function) and through the optimizer's weights. Second-order terms
 * (through g_t via {@code createGraph}) are not implemented; the closing notes say so.
 *
 * <p>The forward pass is the same arithmetic as {@link LearnedOptimizer#step} in float32 instead of
 * double; a test checks the two trajectories agree.
 */
public final class ReparamUnroll {
    private ReparamUnroll() {}

    /** L_opt of the unroll and its gradient with respect to w_opt. */
    public record Result(double loss, float[] gradient, boolean diverged) {}

    public static Result run(
            TaskSpec spec,
            TaskNetwork net,
            ValueFunction f,
            float[] w,
            int hidden,
            double baseStep,
            double lambda,
            double betaFraction,
            double eps) {
        int d = net.adapterDim();
        int steps = spec.steps();
        int features = LearnedOptimizer.FEATURES;
        try (NDManager m = NDManager.newBaseManager()) {
            Autograd.setRecording(true);
            try {
                NDArray wLeaf = m.create(w);
                wLeaf.setRequiresGradient(true);
                int b1At = features * hidden;
                int w2At = b1At + hidden;
                int b2At = w2At + 2 * hidden;
                NDArray w1 = wLeaf.get("0:" + b1At).reshape(features, hidden);
                NDArray b1 = wLeaf.get(b1At + ":" + w2At);
                NDArray w2 = wLeaf.get(w2At + ":" + b2At).reshape(hidden, 2);
                NDArray b2 = wLeaf.get(b2At + ":" + (b2At + 2));
                float[] phiColumn = new float[features];
                phiColumn[2] = 1f;
                NDArray phiToFeature = m.create(phiColumn, new Shape(1, features));
                NDArray firstOut = m.create(new float[] {1f, 0f}, new Shape(2, 1));
                NDArray secondOut = m.create(new float[] {0f, 1f}, new Shape(2, 1));

                NDArray phi = m.create(InnerLoop.initialPhi(spec, d));
                double[] gbar = new double[d];
                double[] v = new double[d];
                double loss0 = Double.NaN;
                double lossAvg = Double.NaN;
                double metric0 = Double.NaN;
                double metricAvg = Double.NaN;
                float[] grad = new float[d];
                List<NDArray> losses = new ArrayList<>();
                List<NDArray> preds = new ArrayList<>();
                for (int t = 0; t <= steps; t++) {
                    float[] phiValues = phi.toFloatArray();
                    int[] rows = InnerLoop.minibatch(spec, t);
                    losses.add(net.lossGraph(m, phi, rows));
                    Autograd.setRecording(true);
                    NDArray pred = f.predictGraph(phi);
                    preds.add(pred);
                    if (t == steps) {
                        break;
                    }
                    double loss = net.lossAndGradient(phiValues, rows, grad);
                    Autograd.setRecording(true);
                    double metric = f.predict(phiValues)[0];
                    for (float x : phiValues) {
                        if (!Float.isFinite(x)) {
                            return new Result(Double.NaN, new float[w.length], true);
                        }
                    }
                    if (!Double.isFinite(loss)) {
                        return new Result(Double.NaN, new float[w.length], true);
                    }
                    // The constant features, exactly as LearnedOptimizer.step computes them.
                    if (Double.isNaN(loss0)) {
                        loss0 = Math.max(loss, 1e-6);
                        lossAvg = loss;
                    }
                    double lossN = loss / loss0;
                    double lossDelta = (loss - lossAvg) / Math.max(lossAvg, 1e-6);
                    lossAvg = 0.9 * lossAvg + 0.1 * loss;
                    if (Double.isNaN(metric0) && Double.isFinite(metric)) {
                        metric0 = Math.max(metric, 1e-6);
                        metricAvg = metric;
                    }
                    double metricN = metric / metric0;
                    double metricDelta = (metric - metricAvg) / Math.max(metricAvg, 1e-6);
                    metricAvg = 0.9 * metricAvg + 0.1 * metric;
                    double c1 = 1 - Math.pow(0.9, t + 1);
                    double c2 = 1 - Math.pow(0.999, t + 1);
                    float[] constant = new float[d * features];
                    float[] gbarNormed = new float[d];
                    for (int i = 0; i < d; i++) {
                        gbar[i] = 0.9 * gbar[i] + 0.1 * grad[i];
                        v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i];
                        double rms = Math.sqrt(v[i] / c2) + 1e-8;
                        gbarNormed[i] = (float) (gbar[i] / c1 / rms);
                        constant[i * features] = (float) (grad[i] / rms);
                        constant[i * features + 1] = gbarNormed[i];
                        constant[i * features + 3] = (float) lossN;
                        constant[i * features + 4] = (float) metricN;
                        constant[i * features + 5] = (float) lossDelta;
                        constant[i * features + 6] = (float) metricDelta;
                    }
                    NDArray x =
                            m.create(constant, new Shape(d, features))
                                    .add(phi.reshape(d, 1).matMul(phiToFeature));
                    NDArray h = Activation.tanh(x.matMul(w1).add(b1));
                    NDArray out = h.matMul(w2).add(b2);
                    NDArray o1 = out.matMul(firstOut).reshape(d);
                    NDArray o2 = out.matMul(secondOut).reshape(d);
                    NDArray stepSize = o2.clip(-5.0, 5.0).exp().mul((float) baseStep);
                    NDArray u = o1.sub(m.create(gbarNormed));
                    phi = phi.add(stepSize.mul(u));
                }
                double beta = betaFraction * steps;
                NDArray best = preds.get(0);
                NDArray metricTerm = m.zeros(new Shape(1));
                NDArray logLoss0 = losses.get(0).add((float) eps).log();
                NDArray lossTerm = m.zeros(new Shape());
                for (int t = 1; t <= steps; t++) {
                    NDArray p = preds.get(t);
                    NDArray denom = p.abs().maximum(1e-6f);
                    metricTerm =
                            metricTerm.add(
                                    Activation.softPlus(p.sub(best).div(denom).mul((float) beta)));
                    best = best.minimum(p);
                    lossTerm = lossTerm.add(losses.get(t).add((float) eps).log().sub(logLoss0));
                }
                NDArray total =
                        metricTerm
                                .sum()
                                .mul((float) (lambda / steps))
                                .add(lossTerm.div((float) steps));
                double value = total.getFloat();
                if (!Double.isFinite(value)) {
                    return new Result(Double.NaN, new float[w.length], true);
                }
                Autograd.backward(total, false, false);
                float[] g = wLeaf.getGradient().toFloatArray();
                for (float x : g) {
                    if (!Float.isFinite(x)) {
                        return new Result(Double.NaN, new float[w.length], true);
                    }
                }
                return new Result(value, g, false);
            } finally {
                Autograd.setRecording(false);
            }
        }
    }
}
