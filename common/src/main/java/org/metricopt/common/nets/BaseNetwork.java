package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.Map;
import org.metricopt.common.config.NetworkConfig;

/**
 * A frozen base network theta with an adapter phi (supp. Fig. 1). The forward pass is split at the
 * first adapter: {@link #prefix} depends only on the input and theta, so a task computes it once
 * for all its examples; {@link #head} applies phi and the rest of the network. Implementations are
 * stateless: parameters are passed in, so one instance serves every thread.
 */
public abstract class BaseNetwork {
    /** Input pixels per example. */
    public static final int INPUTS = 784;

    /** Output classes of the pre-trained network. */
    public static final int CLASSES = 10;

    public static BaseNetwork of(NetworkConfig config) {
        return NetworkConfig.MLP.equals(config.kind())
                ? new MlpInputBias(config.mlpAdapterDim(), config.mlpHidden())
                : new CnnFilm(config.cnnChannels());
    }

    public abstract List<ParamSpec> params();

    public abstract int adapterDim();

    /** The part below the first adapter, for standardised inputs x of shape [B, 784]. */
    public abstract NDArray prefix(Map<String, NDArray> theta, NDArray x);

    /** Logits [B, 10] from prefix features and phi of shape [adapterDim] (or {@link #phiShape}). */
    public abstract NDArray head(Map<String, NDArray> theta, NDArray prefix, NDArray phi);

    /**
     * The shape in which {@link #head} takes phi at least cost: [adapterDim] unless the network
     * says otherwise; head takes phi of shape [adapterDim] as well.
     */
    public Shape phiShape() {
        return new Shape(adapterDim());
    }

    /**
     * Logits [M * B, 10] of M adapters at once (member-major): row {@code m * B + i} is {@code
     * head(prefix, phis[m])} at example i. For population-batched unrolls, where M unrolls of one
     * task see the same minibatch and only phi differs.
     *
     * @param phis the M adapters, shape [M, adapterDim]
     */
    public abstract NDArray populationHead(
            Map<String, NDArray> theta, NDArray prefix, NDArray phis);

    /** The whole forward pass: {@code head(prefix(x), phi)}. */
    public NDArray forward(Map<String, NDArray> theta, NDArray x, NDArray phi) {
        try (NDArray p = prefix(theta, x)) {
            return head(theta, p, phi);
        }
    }
}
