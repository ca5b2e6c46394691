package org.metricopt.common.learned;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import org.metricopt.common.config.LearnedOptimizerConfig;
import org.metricopt.common.nets.Autograd;
import org.metricopt.common.nets.TaskNetwork;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.unroll.InnerLoop;
import org.metricopt.common.valuefn.TaskValueFunction;

/**
 * The reparameterisation estimator's sample (docs/DESIGN.md section 4): the unroll of {@link
 * LearnedOptimizer} rebuilt as a DJL autograd graph in w_opt, L_opt (supp. Eq. 2) computed on it,
 * and back-propagated to w_opt.
 *
 * <p><b>First order</b> (the default). The optimizer's inputs that are themselves derivatives or
 * observations — the loss gradient g_t and its running moments, the loss and metric values fed in
 * as features — are treated as constants; gradients flow through phi_t (as an input of the
 * optimizer, of the surrogate loss and of the value function) and through the optimizer's weights.
 *
 * <p><b>Second order</b> ({@link Options#secondOrder}). g_t stays in the graph as a function of
 * phi_t, so the derivative also flows through g_t and its moments (Hessian-vector terms): each step
 * evaluates the surrogate loss at {@code phi_t + z} with a zero leaf z and back-propagates it with
 * {@code createGraph} ({@code JniUtils.backward}), which leaves {@code z.grad = g_t(phi_t)} as a
 * graph node. DJL has no {@code autograd.grad(outputs, inputs)}, so that backward also walks
 * phi_t's history back to w_opt and accumulates there; the accumulated value is cleared before the
 * final backward. The loss and metric features remain constants, and the moments are computed in
 * float32 instead of double. Each step's backward walks phi_t's whole history, so use it with
 * truncation. It leaks native memory: {@code z.grad} is in the graph that references z, the
 * reference cycle PyTorch warns about, and DJL 0.36 cannot reset a gradient to None to break it. It
 * is therefore for measurements (how far the first-order gradient is from this one), not long runs.
 *
 * <p><b>Truncation</b> ({@link Options#truncationSteps} K &gt; 0): the unroll's state (phi and, in
 * the second-order variant, the moments) is detached from the graph after every K-th step's loss
 * and prediction, as in truncated back-propagation through time: each term of L_opt is
 * differentiated through at most the K optimizer steps before it. The forward pass, hence L_opt, is
 * unchanged. Back-propagating through all T steps multiplies T Jacobians of a chaotic system, and
 * the samples' variance explodes (up to 1e69 per coordinate at T = 200 was measured); truncation
 * bounds the product at the price of a bias towards short-horizon effects (Metz et al. 2019; Vicol
 * et al. 2021).
 *
 * <p>The forward pass is the same arithmetic as {@link LearnedOptimizer#step} in float32 instead of
 * double; a test checks the two trajectories agree. Every scalar in the graph is an array owned by
 * the unroll's manager, never a DJL {@code Number} overload (see {@link Autograd}).
 */
public final class ReparamUnroll {
    private ReparamUnroll() {}

    /**
     * L_opt of the unroll and its gradient with respect to w_opt.
     *
     * @param diverged the unroll's phi or loss, or L_opt, became NaN or infinite (loss is NaN)
     * @param gradient the gradient, or an empty array when the unroll diverged or the gradient is
     *     not finite (the loss is still valid then)
     */
    public record Result(double loss, float[] gradient, boolean diverged) {
        /** Whether a usable gradient came back. */
        public boolean hasGradient() {
            return gradient.length > 0;
        }
    }

    /**
     * The learned optimizer and L_opt settings of one unroll.
     *
     * @param truncationSteps K: back-propagate each term through at most K steps; 0 for all
     * @param secondOrder keep the loss gradient g_t in the graph (see the class comment)
     */
    public record Options(
            int hidden,
            double baseStep,
            double lambda,
            double betaFraction,
            double epsilon,
            int truncationSteps,
            boolean secondOrder) {
        public static Options of(LearnedOptimizerConfig c) {
            return new Options(
                    c.hidden(),
                    c.baseStep(),
                    c.metricWeight(),
                    c.betaFraction(),
                    c.epsilon(),
                    c.reparamTruncationSteps(),
                    c.reparamSecondOrder());
        }

        /** The same settings with another truncation and order. */
        public Options with(int truncation, boolean second) {
            return new Options(hidden, baseStep, lambda, betaFraction, epsilon, truncation, second);
        }
    }

    /** First order, no truncation. */
    public static Result run(
            TaskSpec spec,
            TaskNetwork net,
            TaskValueFunction f,
            float[] w,
            int hidden,
            double baseStep,
            double lambda,
            double betaFraction,
            double eps) {
        return run(
                spec,
                net,
                f,
                w,
                new Options(hidden, baseStep, lambda, betaFraction, eps, 0, false));
    }

    private static Result diverged() {
        return new Result(Double.NaN, new float[0], true);
    }

    public static Result run(
            TaskSpec spec, TaskNetwork net, TaskValueFunction f, float[] w, Options o) {
        int d = net.adapterDim();
        int steps = spec.steps();
        int features = LearnedOptimizer.FEATURES;
        int hidden = o.hidden();
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
                NDArray[] toFeature = new NDArray[features];
                for (int k = 0; k < features; k++) {
                    float[] column = new float[features];
                    column[k] = 1f;
                    toFeature[k] = m.create(column, new Shape(1, features));
                }
                NDArray firstOut = m.create(new float[] {1f, 0f}, new Shape(2, 1));
                NDArray secondOut = m.create(new float[] {0f, 1f}, new Shape(2, 1));
                // Scalars owned by m, which outlives the backward pass (see Autograd's comment).
                NDArray baseStepC = Autograd.constant(m, o.baseStep());
                NDArray b1C = Autograd.constant(m, 0.9);
                NDArray oneMinusB1C = Autograd.constant(m, 0.1);
                NDArray b2C = Autograd.constant(m, 0.999);
                NDArray oneMinusB2C = Autograd.constant(m, 0.001);
                NDArray rmsEpsC = Autograd.constant(m, 1e-8);
                NDArray tinyC = Autograd.constant(m, 1e-30);

                NDArray phi = m.create(InnerLoop.initialPhi(spec, d));
                NDArray gbarNode = m.zeros(new Shape(d));
                NDArray vNode = m.zeros(new Shape(d));
                double[] gbar = new double[d];
                double[] v = new double[d];
                double loss0 = Double.NaN;
                double lossAvg = Double.NaN;
                double metric0 = Double.NaN;
                double metricAvg = Double.NaN;
                float[] grad = new float[d];
                List<NDArray> losses = new ArrayList<>();
                List<NDArray> preds = new ArrayList<>();
                int k = o.truncationSteps();
                for (int t = 0; t <= steps; t++) {
                    float[] phiValues = phi.toFloatArray();
                    int[] rows = InnerLoop.minibatch(spec, t);
                    losses.add(net.lossGraph(m, phi, rows));
                    preds.add(f.predictGraph(phi));
                    if (t == steps) {
                        break;
                    }
                    if (!Stats.allFinite(phiValues)) {
                        return diverged();
                    }
                    if (k > 0 && t > 0 && t % k == 0) {
                        phi = phi.stopGradient();
                        gbarNode = gbarNode.stopGradient();
                        vNode = vNode.stopGradient();
                    }
                    double loss;
                    NDArray gNode = null;
                    if (o.secondOrder()) {
                        NDArray z = m.zeros(new Shape(d));
                        z.setRequiresGradient(true);
                        NDArray lossZ = net.lossGraph(m, phi.add(z), rows);
                        loss = lossZ.getFloat();
                        Autograd.backward(lossZ, true, true);
                        gNode = z.getGradient();
                        // z's gradient is now a node of the graph; nothing may accumulate into it.
                        z.setRequiresGradient(false);
                    } else {
                        loss = net.lossAndGradient(phiValues, rows, grad);
                        Autograd.setRecording(true);
                    }
                    double metric = f.predict(phiValues)[0];
                    if (!Double.isFinite(loss)) {
                        return diverged();
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
                        if (!o.secondOrder()) {
                            gbar[i] = 0.9 * gbar[i] + 0.1 * grad[i];
                            v[i] = 0.999 * v[i] + 0.001 * grad[i] * grad[i];
                            double rms = Math.sqrt(v[i] / c2) + 1e-8;
                            gbarNormed[i] = (float) (gbar[i] / c1 / rms);
                            constant[i * features] = (float) (grad[i] / rms);
                            constant[i * features + 1] = gbarNormed[i];
                        }
                        constant[i * features + 3] = (float) lossN;
                        constant[i * features + 4] = (float) metricN;
                        constant[i * features + 5] = (float) lossDelta;
                        constant[i * features + 6] = (float) metricDelta;
                    }
                    NDArray x =
                            m.create(constant, new Shape(d, features))
                                    .add(column(phi, d).matMul(toFeature[2]));
                    NDArray momentum;
                    if (o.secondOrder()) {
                        gbarNode = gbarNode.mul(b1C).add(gNode.mul(oneMinusB1C));
                        vNode = vNode.mul(b2C).add(gNode.square().mul(oneMinusB2C));
                        NDArray rms =
                                vNode.div(Autograd.constant(m, c2))
                                        .maximum(tinyC)
                                        .sqrt()
                                        .add(rmsEpsC);
                        momentum = gbarNode.div(Autograd.constant(m, c1)).div(rms);
                        x =
                                x.add(column(gNode.div(rms), d).matMul(toFeature[0]))
                                        .add(column(momentum, d).matMul(toFeature[1]));
                    } else {
                        momentum = m.create(gbarNormed);
                    }
                    NDArray h = Activation.tanh(x.matMul(w1).add(b1));
                    NDArray out = h.matMul(w2).add(b2);
                    NDArray o1 = out.matMul(firstOut).reshape(d);
                    NDArray o2 = out.matMul(secondOut).reshape(d);
                    NDArray stepSize = o2.clip(-5.0, 5.0).exp().mul(baseStepC);
                    NDArray u = o1.sub(momentum);
                    phi = phi.add(stepSize.mul(u));
                }
                double beta = o.betaFraction() * steps;
                NDArray betaC = Autograd.constant(m, beta);
                NDArray epsC = Autograd.constant(m, o.epsilon());
                NDArray floorC = Autograd.constant(m, 1e-6);
                NDArray best = preds.get(0);
                NDArray metricTerm = m.zeros(new Shape(1));
                NDArray logLoss0 = losses.get(0).add(epsC).log();
                NDArray lossTerm = m.zeros(new Shape());
                for (int t = 1; t <= steps; t++) {
                    NDArray p = preds.get(t);
                    NDArray denom = p.abs().maximum(floorC);
                    metricTerm =
                            metricTerm.add(Activation.softPlus(p.sub(best).div(denom).mul(betaC)));
                    best = best.minimum(p);
                    lossTerm = lossTerm.add(losses.get(t).add(epsC).log().sub(logLoss0));
                }
                NDArray total =
                        metricTerm
                                .sum()
                                .mul(Autograd.constant(m, o.lambda() / steps))
                                .add(lossTerm.div(Autograd.constant(m, steps)));
                double value = total.getFloat();
                if (!Double.isFinite(value)) {
                    return diverged();
                }
                if (o.secondOrder()) {
                    // Drop what the per-step backward passes accumulated into w_opt.
                    Autograd.setRecording(false);
                    Autograd.zeroGradient(wLeaf);
                }
                Autograd.backward(total, false, false);
                float[] g = wLeaf.getGradient().toFloatArray();
                if (!Stats.allFinite(g)) {
                    return new Result(value, new float[0], false);
                }
                return new Result(value, g, false);
            } finally {
                Autograd.setRecording(false);
            }
        }
    }

    /** A length-d vector as a [d, 1] column. */
    private static NDArray column(NDArray vector, int d) {
        return vector.reshape(d, 1);
    }
}
