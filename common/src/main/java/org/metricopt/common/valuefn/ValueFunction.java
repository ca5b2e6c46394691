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
 * The value function f_w(phi) ~ M (DESIGN.md section 3): an MLP d -> h -> h -> 1 with tanh hidden
 * layers (smooth, so its gradient in phi is a useful direction) over standardised phi. Weights are
 * one flat float vector, which makes the Reptile update plain vector arithmetic on the driver.
 *
 * <p>An instance holds its current weights as native arrays in its own manager and is not
 * thread-safe; create one per task (executor) or per adaptation (driver) and close it.
 */
public final class ValueFunction implements AutoCloseable {
    private final int d;
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

    public ValueFunction(NDManager parent, int d, int h, InputScaler scaler, float[] weights) {
        if (weights.length != size(d, h)) {
            throw new IllegalArgumentException(
                    "value-function weights have "
                            + weights.length
                            + " numbers; d = "
                            + d
                            + ", hidden = "
                            + h
                            + " needs "
                            + size(d, h));
        }
        if (scaler.mean().length != d || scaler.std().length != d) {
            throw new IllegalArgumentException(
                    "the input scaler has "
                            + scaler.mean().length
                            + " means and "
                            + scaler.std().length
                            + " standard deviations; the value function takes d = "
                            + d
                            + " inputs");
        }
        this.d = d;
        this.h = h;
        this.scaler = scaler;
        this.manager = parent.newSubManager();
        this.mean = manager.create(scaler.mean(), new Shape(1, d));
        this.std = manager.create(scaler.std(), new Shape(1, d));
        setWeights(weights);
    }

    /** Number of weights of a value function over d inputs with hidden width h. */
    public static int size(int d, int h) {
        return d * h + h + h * h + h + h + 1;
    }

    /**
     * Glorot-uniform initial weights from the keyed generator; the output bias starts at {@code
     * outputBias} (a typical metric value) so early predictions are on the right scale.
     */
    public static float[] initialise(int d, int h, long seed, float outputBias) {
        float[] w = new float[size(d, h)];
        SplittableRandom rng = Keys.rng(seed, "value-function-init");
        int pos = 0;
        pos = glorot(w, pos, d, h, rng);
        pos += h;
        pos = glorot(w, pos, h, h, rng);
        pos += h;
        pos = glorot(w, pos, h, 1, rng);
        w[pos] = outputBias;
        return w;
    }

    private static int glorot(float[] w, int pos, int in, int out, SplittableRandom rng) {
        double limit = Math.sqrt(6.0 / (in + out));
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

    private void setWeights(float[] w) {
        closeWeights();
        this.weights = w.clone();
        int pos = 0;
        w1 = slice(w, pos, new Shape(d, h));
        pos += d * h;
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

    private NDArray forward(NDArray phis, NDArray[] p) {
        NDArray x = phis.sub(mean).div(std);
        NDArray a1 = Activation.tanh(x.matMul(p[0]).add(p[1]));
        NDArray a2 = Activation.tanh(a1.matMul(p[2]).add(p[3]));
        return a2.matMul(p[4]).add(p[5]).reshape(-1);
    }

    /** f(phi) for the rows of {@code phis} ([n, d]) as a graph node, for back-propagation. */
    public NDArray predictGraph(NDArray phis) {
        return forward(phis.reshape(-1, d), params());
    }

    /** f(phi) for n vectors phi concatenated in {@code phis}. */
    public float[] predict(float[] phis) {
        try (NDManager step = manager.newSubManager()) {
            NDArray x = step.create(phis, new Shape(phis.length / d, d));
            return forward(x, params()).toFloatArray();
        }
    }

    /** f(phi) and its gradient with respect to phi, written into {@code gradOut}. */
    public double valueAndGradient(float[] phi, float[] gradOut) {
        try (NDManager step = manager.newSubManager()) {
            Autograd.setRecording(true);
            try {
                NDArray x = step.create(phi, new Shape(1, d));
                x.setRequiresGradient(true);
                NDArray f = forward(x, params()).sum();
                double value = f.getFloat();
                Autograd.backward(f, false, false);
                System.arraycopy(x.getGradient().toFloatArray(), 0, gradOut, 0, d);
                return value;
            } finally {
                Autograd.setRecording(false);
            }
        }
    }

    /** Losses of one adaptation: L_v at the start and at the end. */
    public record Adaptation(double lossBefore, double lossAfter) {}

    /**
     * Adapts the weights in place to one task: {@code steps} SGD steps on L_v (DESIGN.md section 3)
     * over the trajectory points {@code phis} (n x d) with GP targets {@code mean} and
     * uncertainties {@code std}. Pairs of the ranking term come from {@code rng}.
     */
    public Adaptation adapt(
            float[] phis,
            double[] target,
            double[] targetStd,
            ValueFunctionConfig cfg,
            SplittableRandom rng) {
        int n = target.length;
        if (phis.length != n * d) {
            throw new IllegalArgumentException(
                    "adapt got " + phis.length / d + " phi vectors but " + n + " targets");
        }
        float[] weightsT = new float[n];
        float[] y = new float[n];
        for (int t = 0; t < n; t++) {
            y[t] = (float) target[t];
            weightsT[t] =
                    (float) (1.0 / (targetStd[t] * targetStd[t] + cfg.sigma0() * cfg.sigma0()));
        }
        double before = Double.NaN;
        double after = Double.NaN;
        for (int s = 0; s <= cfg.adaptSteps(); s++) {
            int[][] pairs = samplePairs(target, cfg.rankPairs(), rng);
            boolean update = s < cfg.adaptSteps();
            try (NDManager step = manager.newSubManager()) {
                NDArray x = step.create(phis, new Shape(n, d));
                NDArray yt = step.create(y);
                NDArray wt = step.create(weightsT);
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
                    NDArray loss = f.sub(yt).square().mul(wt).mean();
                    if (pairs[0].length > 0 && cfg.rankWeight() > 0) {
                        NDArray fs = f.get(step, new NDIndex("{}", step.create(pairs[0])));
                        NDArray ft = f.get(step, new NDIndex("{}", step.create(pairs[1])));
                        NDArray sign = step.create(signs(target, pairs));
                        NDArray rank =
                                Activation.softPlus(
                                                fs.sub(ft)
                                                        .mul(sign)
                                                        .neg()
                                                        .div(
                                                                Autograd.constant(
                                                                        step,
                                                                        cfg.rankTemperature())))
                                        .mean();
                        loss = loss.add(rank.mul(Autograd.constant(step, cfg.rankWeight())));
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
                    applySgd(p, cfg);
                }
            }
        }
        return new Adaptation(before, after);
    }

    private void applySgd(NDArray[] p, ValueFunctionConfig cfg) {
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
        double scale =
                cfg.adaptLearningRate() * (norm > cfg.adaptClip() ? cfg.adaptClip() / norm : 1.0);
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
