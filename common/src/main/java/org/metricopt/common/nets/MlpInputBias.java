package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.Map;

/**
 * MLP (784 + d) -> h1 -> h2 -> 10 with ReLU, whose adapter phi is a vector of d dynamic biases
 * concatenated to the input (supp. Fig. 1a). Because theta is frozen, the first layer splits as
 * {@code [x, phi] W1 + b1 = (x W1x + b1) + phi W1phi}: the first term is the cached {@link
 * #prefix}, and each step only pays for {@code phi W1phi}.
 */
public final class MlpInputBias extends BaseNetwork {
    private final int adapterDim;
    private final int h1;
    private final int h2;

    public MlpInputBias(int adapterDim, int[] hidden) {
        this.adapterDim = adapterDim;
        this.h1 = hidden[0];
        this.h2 = hidden[1];
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(
                new ParamSpec("w1x", new Shape(INPUTS, h1), INPUTS + adapterDim),
                new ParamSpec("w1phi", new Shape(adapterDim, h1), INPUTS + adapterDim),
                new ParamSpec("b1", new Shape(h1), 0),
                new ParamSpec("w2", new Shape(h1, h2), h1),
                new ParamSpec("b2", new Shape(h2), 0),
                new ParamSpec("w3", new Shape(h2, CLASSES), h2),
                new ParamSpec("b3", new Shape(CLASSES), 0));
    }

    @Override
    public int adapterDim() {
        return adapterDim;
    }

    @Override
    public NDArray prefix(Map<String, NDArray> theta, NDArray x) {
        return x.matMul(theta.get("w1x")).addi(theta.get("b1"));
    }

    /** A row [1, adapterDim]: the first layer's matmul takes it as it is, with no reshape. */
    @Override
    public Shape phiShape() {
        return new Shape(1, adapterDim);
    }

    @Override
    public NDArray head(Map<String, NDArray> theta, NDArray prefix, NDArray phi) {
        NDArray row = phi.getShape().dimension() == 2 ? phi : phi.reshape(1, adapterDim);
        NDArray bias = row.matMul(theta.get("w1phi"));
        NDArray a1 = Activation.relu(prefix.add(bias));
        return layers23(theta, a1);
    }

    /**
     * Layers 2 and 3 from the first layer's activations. Each bias is a constant (theta is frozen)
     * added in place to its matmul's fresh output, which no backward pass reads (a matmul saves
     * only its inputs): the same additions as {@code add}, without a new array, and (see {@link
     * Autograd#addConstantInPlace}) without a backward node that would only pass the gradient on.
     */
    private static NDArray layers23(Map<String, NDArray> theta, NDArray a1) {
        NDArray z2 = addBias(a1.matMul(theta.get("w2")), theta.get("b2"));
        return addBias(Activation.relu(z2).matMul(theta.get("w3")), theta.get("b3"));
    }

    /**
     * z + b: outside the graph when b is frozen (finetuning), recorded when b is being trained
     * (pre-training, where theta requires gradients and the biases must receive theirs).
     */
    private static NDArray addBias(NDArray z, NDArray b) {
        return b.hasGradient() ? z.add(b) : Autograd.addConstantInPlace(z, b);
    }

    /**
     * The data term of the first layer is shared by all members: only the bias {@code phi_m W1phi}
     * differs, broadcast over the batch; the layers above run as one [M * B]-row batch.
     */
    @Override
    public NDArray populationHead(Map<String, NDArray> theta, NDArray prefix, NDArray phis) {
        long members = phis.getShape().get(0);
        NDArray bias = phis.reshape(members, 1, adapterDim).matMul(theta.get("w1phi"));
        NDArray a1 = Activation.relu(prefix.expandDims(0).add(bias)).reshape(-1, h1);
        return layers23(theta, a1);
    }

    /**
     * The straightforward forward pass that concatenates phi to every input, as in supp. Fig. 1a;
     * kept as the reference the cached split is tested against.
     */
    public NDArray forwardConcatenated(Map<String, NDArray> theta, NDArray x, NDArray phi) {
        long batch = x.getShape().get(0);
        NDArray phiRows = phi.reshape(1, adapterDim).repeat(0, batch);
        NDArray input = NDArrays.concat(new ai.djl.ndarray.NDList(x, phiRows), 1);
        NDArray w1 =
                NDArrays.concat(new ai.djl.ndarray.NDList(theta.get("w1x"), theta.get("w1phi")), 0);
        NDArray a1 = Activation.relu(input.matMul(w1).add(theta.get("b1")));
        NDArray a2 = Activation.relu(a1.matMul(theta.get("w2")).add(theta.get("b2")));
        return a2.matMul(theta.get("w3")).add(theta.get("b3"));
    }
}
