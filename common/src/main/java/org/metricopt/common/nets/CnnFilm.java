package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import java.util.List;
import java.util.Map;

/**
 * Small CNN whose adapter phi holds FiLM scales and shifts per channel (supp. Fig. 1b): conv3x3(c1)
 * -> FiLM -> ReLU -> maxpool2 -> conv3x3(c2) -> FiLM -> ReLU -> maxpool2 -> linear(10). FiLM is
 * {@code h * (1 + gamma) + beta}, so phi = 0 is the un-adapted network. phi is laid out as [gamma1,
 * beta1, gamma2, beta2]. The first convolution is below every adapter and is the cached {@link
 * #prefix}.
 */
public final class CnnFilm extends BaseNetwork {
    private final int c1;
    private final int c2;

    public CnnFilm(int[] channels) {
        this.c1 = channels[0];
        this.c2 = channels[1];
    }

    @Override
    public List<ParamSpec> params() {
        return List.of(
                new ParamSpec("conv1w", new Shape(c1, 1, 3, 3), 9),
                new ParamSpec("conv1b", new Shape(c1), 0),
                new ParamSpec("conv2w", new Shape(c2, c1, 3, 3), 9 * c1),
                new ParamSpec("conv2b", new Shape(c2), 0),
                new ParamSpec("fcw", new Shape(c2 * 7 * 7, CLASSES), c2 * 7 * 7),
                new ParamSpec("fcb", new Shape(CLASSES), 0));
    }

    @Override
    public int adapterDim() {
        return 2 * (c1 + c2);
    }

    private static final Shape ONE = new Shape(1, 1);
    private static final Shape PAD = new Shape(1, 1);
    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PAD = new Shape(0, 0);

    @Override
    public NDArray prefix(Map<String, NDArray> theta, NDArray x) {
        NDArray img = x.reshape(-1, 1, 28, 28);
        return img.getNDArrayInternal()
                .convolution(img, theta.get("conv1w"), theta.get("conv1b"), ONE, PAD, ONE, 1)
                .singletonOrThrow();
    }

    @Override
    public NDArray head(Map<String, NDArray> theta, NDArray prefix, NDArray phi) {
        NDArray g1 = phi.get("0:" + c1).reshape(1, c1, 1, 1);
        NDArray b1 = phi.get(c1 + ":" + 2 * c1).reshape(1, c1, 1, 1);
        NDArray g2 = phi.get(2 * c1 + ":" + (2 * c1 + c2)).reshape(1, c2, 1, 1);
        NDArray b2 = phi.get((2 * c1 + c2) + ":" + (2 * c1 + 2 * c2)).reshape(1, c2, 1, 1);
        NDArray h = Activation.relu(prefix.mul(g1.add(1f)).add(b1));
        h = Pool.maxPool2d(h, POOL, POOL, NO_PAD, false);
        h =
                h.getNDArrayInternal()
                        .convolution(h, theta.get("conv2w"), theta.get("conv2b"), ONE, PAD, ONE, 1)
                        .singletonOrThrow();
        h = Activation.relu(h.mul(g2.add(1f)).add(b2));
        h = Pool.maxPool2d(h, POOL, POOL, NO_PAD, false);
        return h.reshape(-1, c2 * 7 * 7).matMul(theta.get("fcw")).add(theta.get("fcb"));
    }
}
