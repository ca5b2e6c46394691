package org.metricopt.common.valuefn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.metricopt.common.config.ValueFunctionConfig;
import org.metricopt.common.nets.Autograd;
import org.metricopt.common.rng.Keys;

/**
 * The value function's network g_w(x) (docs/DESIGN.md section 3): an MLP n -> h -> h -> 1 with tanh
 * hidden layers (smooth, so its gradient in phi is a useful direction) over a standardised input x
 * = [phi, c], where c is the task context (empty when the value function is not conditioned on it).
 * Depending on the configuration the value function is f = g (absolute) or f = M_0 + g (residual);
 * the caller adds the offset. Weights are one flat float vector, which makes the Reptile update
 * plain vector arithmetic on the driver.
 *
 * <p>An instance holds its current weights as native arrays in its own manager and is not
 * thread-safe; create one per task (executor) or per adaptation (driver) and close it.
 */
public final class ValueFunction implements AutoCloseable {
    private final int inputs;
    private final int adapterDim;
    private final int h;
    private final InputScaler scaler;
    private final NDManager manager;
    private final NDArray mean;
    private final NDArray std;
    private float[] weights;
    private NDArray w1;
    private NDArray b1;
    private NDArray w2;
    private NDArray b2;
    private NDArray w3;
    private NDArray b3;

    /** A value function of phi alone (no context): {@code inputs = adapterDim = d}. */
    public ValueFunction(NDManager parent, int d, int h, InputScaler scaler, float[] weights) {
        this(parent, d, d, h, scaler, weights);
    }

    /**
     * @param inputs n = d + |c|, the width of x = [phi, c]
     * @param adapterDim d, the first d inputs being phi
     */
    public ValueFunction(
            NDManager parent,
            int inputs,
            int adapterDim,
            int h,
            InputScaler scaler,
            float[] weights) {
        if (weights.length != size(inputs, h)) {
            throw new IllegalArgumentException(
                    "value-function weights have "
                            + weights.length
                            + " numbers; "
                            + inputs
                            + " inputs and hidden = "
                            + h
                            + " need "
                            + size(inputs, h));
        }
        if (scaler.mean().length != inputs || scaler.std().length != inputs) {
            throw new IllegalArgumentException(
                    "the input scaler has "
                            + scaler.mean().length
                            + " means and "
                            + scaler.std().length
                            + " standard deviations; the value function takes "
                            + inputs
                            + " inputs");
        }
        if (adapterDim > inputs) {
            throw new IllegalArgumentException(
                    "adapter dim " + adapterDim + " exceeds the " + inputs + " inputs");
        }
        this.inputs = inputs;
        this.adapterDim = adapterDim;
        this.h = h;
        this.scaler = scaler;
        this.manager = parent.newSubManager();
        this.mean = manager.create(scaler.mean(), new Shape(1, inputs));
        this.std = manager.create(scaler.std(), new Shape(1, inputs));
        setWeights(weights);
    }

    /** Number of weights of a value function over n inputs with hidden width h. */
    public static int size(int inputs, int h) {
        return inputs * h + h + h * h + h + h + 1;
    }

    /**
     * Initial weights from the keyed generator, uniform in +-1/sqrt(fan-in) (PyTorch's default
     * range for linear layers); biases start at zero and the output bias at {@code outputBias} (a
     * typical value of g). Glorot's wider range, used before, learned a markedly worse gradient
     * field from the same meta-training data (README, value-function ablations).
     */
    public static float[] initialise(int inputs, int h, long seed, float outputBias) {
        return initialise(inputs, h, seed, outputBias, false);
    }

    /** As {@link #initialise(int, int, long, float)}, or Glorot-uniform when {@code glorot}. */
    public static float[] initialise(
            int inputs, int h, long seed, float outputBias, boolean glorot) {
        float[] w = new float[size(inputs, h)];
        SplittableRandom rng = Keys.rng(seed, "value-function-init");
        int pos = 0;
        pos = uniform(w, pos, inputs, h, rng, glorot);
        pos += h;
        pos = uniform(w, pos, h, h, rng, glorot);
        pos += h;
        pos = uniform(w, pos, h, 1, rng, glorot);
        w[pos] = outputBias;
        return w;
    }

    private static int uniform(
            float[] w, int pos, int in, int out, SplittableRandom rng, boolean glorot) {
        double limit = glorot ? Math.sqrt(6.0 / (in + out)) : 1.0 / Math.sqrt(in);
        for (int i = 0; i < in * out; i++) {
            w[pos + i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
        }
        return pos + in * out;
    }

    public float[] weights() {
        return weights.clone();
    }

    public InputScaler scaler() {
        return scaler;
    }

    public int inputs() {
        return inputs;
    }

    private void setWeights(float[] w) {
        closeWeights();
        this.weights = w.clone();
        int pos = 0;
        w1 = slice(w, pos, new Shape(inputs, h));
        pos += inputs * h;
        b1 = slice(w, pos, new Shape(h));
        pos += h;
        w2 = slice(w, pos, new Shape(h, h));
        pos += h * h;
        b2 = slice(w, pos, new Shape(h));
        pos += h;
        w3 = slice(w, pos, new Shape(h, 1));
        pos += h;
        b3 = slice(w, pos, new Shape(1));
    }

    private void closeWeights() {
        for (NDArray a : new NDArray[] {w1, b1, w2, b2, w3, b3}) {
            if (a != null) {
                a.close();
            }
        }
    }

    private NDArray slice(float[] w, int pos, Shape shape) {
        float[] part = new float[(int) shape.size()];
        System.arraycopy(w, pos, part, 0, part.length);
        return manager.create(part, shape);
    }

    private NDArray[] params() {
        return new NDArray[] {w1, b1, w2, b2, w3, b3};
    }

    private NDArray forward(NDArray x, NDArray[] p) {
        NDArray z = x.sub(mean).div(std);
        NDArray a1 = Activation.tanh(z.matMul(p[0]).add(p[1]));
        NDArray a2 = Activation.tanh(a1.matMul(p[2]).add(p[3]));
        return a2.matMul(p[4]).add(p[5]).reshape(-1);
    }

    /** g(x) for the rows of {@code xs} ([m, n]) as a graph node, for back-propagation. */
    public NDArray predictGraph(NDArray xs) {
        return forward(xs.reshape(-1, inputs), params());
    }

    /** g(x) for m inputs x concatenated in {@code xs}. */
    public float[] predict(float[] xs) {
        try (NDManager step = manager.newSubManager()) {
            NDArray x = step.create(xs, new Shape(xs.length / inputs, inputs));
            return forward(x, params()).toFloatArray();
        }
    }

    /** g([phi_t, c]) for the phi_t concatenated in {@code phis} and one context c. */
    public float[] predict(float[] phis, float[] context) {
        return predict(Inputs.rows(phis, adapterDim, context));
    }

    /** g(x) and its gradient with respect to the first {@code adapterDim} inputs (phi). */
    public double valueAndGradient(float[] x, float[] gradOut) {
        try (NDManager step = manager.newSubManager()) {
            Autograd.setRecording(true);
            try {
                NDArray in = step.create(x, new Shape(1, inputs));
                in.setRequiresGradient(true);
                NDArray f = forward(in, params()).sum();
                double value = f.getFloat();
                Autograd.backward(f, false, false);
                System.arraycopy(in.getGradient().toFloatArray(), 0, gradOut, 0, adapterDim);
                return value;
            } finally {
                Autograd.setRecording(false);
            }
        }
    }

    /** Losses of one adaptation: L_v at the start and at the end. */
    public record Adaptation(double lossBefore, double lossAfter) {}

    /**
     * What L_v of one task is computed on (docs/DESIGN.md section 3.1).
     *
     * @param inputs m path points x_t = [phi_t, c], concatenated
     * @param targets the target of g at each path point (the GP mean, minus M_0 when residual)
     * @param weights the weight w_t of each path point's squared error
     * @param observations indices of the path points where the metric was observed (the pairs of
     *     the ranking term are drawn among them)
     * @param pairPlus q probe points [phi_t + delta, c], concatenated
     * @param pairMinus the q antithetic points [phi_t - delta, c]
     * @param pairDiffs the observed M(phi_t + delta) - M(phi_t - delta) of each pair
     */
    public record Data(
            float[] inputs,
            double[] targets,
            double[] weights,
            int[] observations,
            float[] pairPlus,
            float[] pairMinus,
            double[] pairDiffs) {
        public int points() {
            return targets.length;
        }

        public int pairs() {
            return pairDiffs.length;
        }
    }

    /**
     * Adapts the weights in place to one task: {@code steps} clipped SGD steps with learning rate
     * {@code alpha} on L_v = mean_t w_t (g(x_t) - y_t)^2 + pair-weight mean_q ((g(x_q+) - g(x_q-))
     * - dM_q)^2 + rank-weight * (ranking term). Pairs of the ranking term come from {@code rng}.
     */
    public Adaptation adapt(
            Data data, int steps, double alpha, ValueFunctionConfig cfg, SplittableRandom rng) {
        int n = data.points();
        if (data.inputs().length != n * inputs) {
            throw new IllegalArgumentException(
                    "adapt got " + data.inputs().length / inputs + " inputs but " + n + " targets");
        }
        float[] y = new float[n];
        float[] w = new float[n];
        for (int t = 0; t < n; t++) {
            y[t] = (float) data.targets()[t];
            w[t] = (float) data.weights()[t];
        }
        int q = data.pairs();
        float[] dm = new float[q];
        for (int i = 0; i < q; i++) {
            dm[i] = (float) data.pairDiffs()[i];
        }
        boolean withPairs = q > 0 && cfg.pairWeight() > 0;
        double[] observedTargets = new double[data.observations().length];
        for (int i = 0; i < observedTargets.length; i++) {
            observedTargets[i] = data.targets()[data.observations()[i]];
        }
        double before = Double.NaN;
        double after = Double.NaN;
        for (int s = 0; s <= steps; s++) {
            boolean update = s < steps;
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.create(data.inputs(), new Shape(n, inputs));
                NDArray[] p = params();
                if (update) {
                    for (NDArray a : p) {
                        a.setRequiresGradient(true);
                    }
                }
                Autograd.setRecording(update);
                double lossValue;
                try {
                    NDArray f = forward(x, p);
                    NDArray loss = f.sub(step.create(y)).square().mul(step.create(w)).mean();
                    if (withPairs) {
                        NDArray plus =
                                forward(step.create(data.pairPlus(), new Shape(q, inputs)), p);
                        NDArray minus =
                                forward(step.create(data.pairMinus(), new Shape(q, inputs)), p);
                        NDArray pairTerm = plus.sub(minus).sub(step.create(dm)).square().mean();
                        loss = loss.add(pairTerm.mul(Autograd.constant(step, cfg.pairWeight())));
                    }
                    if (cfg.rankWeight() > 0) {
                        int[][] pairs = samplePairs(observedTargets, cfg.rankPairs(), rng);
                        if (pairs[0].length > 0) {
                            loss =
                                    loss.add(
                                            rankTerm(
                                                    step,
                                                    f,
                                                    data.observations(),
                                                    observedTargets,
                                                    pairs,
                                                    cfg));
                        }
                    }
                    lossValue = loss.getFloat();
                    if (update) {
                        Autograd.backward(loss, false, false);
                    }
                } finally {
                    Autograd.setRecording(false);
                }
                if (s == 0) {
                    before = lossValue;
                }
                after = lossValue;
                if (update) {
                    applySgd(p, alpha, cfg.adaptClip());
                }
            }
        }
        return new Adaptation(before, after);
    }

    /** softplus(-sign(y_s - y_t) (g_s - g_t) / tau), averaged, times the rank weight. */
    private static NDArray rankTerm(
            NDManager step,
            NDArray f,
            int[] observations,
            double[] observedTargets,
            int[][] pairs,
            ValueFunctionConfig cfg) {
        int[] s = new int[pairs[0].length];
        int[] t = new int[pairs[0].length];
        for (int i = 0; i < s.length; i++) {
            s[i] = observations[pairs[0][i]];
            t[i] = observations[pairs[1][i]];
        }
        NDArray fs = f.get(step, new NDIndex("{}", step.create(s)));
        NDArray ft = f.get(step, new NDIndex("{}", step.create(t)));
        NDArray sign = step.create(signs(observedTargets, pairs));
        NDArray rank =
                Activation.softPlus(
                                fs.sub(ft)
                                        .mul(sign)
                                        .neg()
                                        .div(Autograd.constant(step, cfg.rankTemperature())))
                        .mean();
        return rank.mul(Autograd.constant(step, cfg.rankWeight()));
    }

    private void applySgd(NDArray[] p, double alpha, double clip) {
        List<float[]> grads = new ArrayList<>();
        double norm2 = 0;
        for (NDArray a : p) {
            float[] g = a.getGradient().toFloatArray();
            for (float v : g) {
                norm2 += (double) v * v;
            }
            grads.add(g);
        }
        double norm = Math.sqrt(norm2);
        double scale = alpha * (norm > clip ? clip / norm : 1.0);
        if (!Double.isFinite(norm)) {
            return;
        }
        float[] w = weights.clone();
        int pos = 0;
        for (float[] g : grads) {
            for (int i = 0; i < g.length; i++) {
                w[pos + i] -= (float) (scale * g[i]);
            }
            pos += g.length;
        }
        setWeights(w);
    }

    private static float[] signs(double[] target, int[][] pairs) {
        float[] out = new float[pairs[0].length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) Math.signum(target[pairs[0][i]] - target[pairs[1][i]]);
        }
        return out;
    }

    /** Up to {@code count} random pairs (s, t) whose targets differ. */
    static int[][] samplePairs(double[] target, int count, SplittableRandom rng) {
        int n = target.length;
        int[] s = new int[count];
        int[] t = new int[count];
        int k = 0;
        for (int tries = 0; tries < 4 * count && k < count && n > 1; tries++) {
            int a = rng.nextInt(n);
            int b = rng.nextInt(n);
            if (a != b && target[a] != target[b]) {
                s[k] = a;
                t[k] = b;
                k++;
            }
        }
        return new int[][] {java.util.Arrays.copyOf(s, k), java.util.Arrays.copyOf(t, k)};
    }

    @Override
    public void close() {
        manager.close();
    }
}
