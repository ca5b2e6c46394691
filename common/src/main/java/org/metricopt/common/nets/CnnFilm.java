package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.pooling.Pool;
import java.util.List;
import java.util.Map;

/**
 * Small CNN whose adapter phi holds FiLM scales and shifts per channel (supp. Fig. 1b): conv3x3(c1)
 * -> FiLM -> ReLU -> maxpool2 -> conv3x3(c2) -> FiLM -> ReLU -> maxpool2 -> linear(10). FiLM is
 * {@code h * (1 + gamma) + beta}, so phi = 0 is the un-adapted network. phi is laid out as [gamma1,
 * beta1, gamma2, beta2].
 *
 * <p>The cached {@link #prefix} is the first convolution, already pooled. With scale {@code s = 1 +
 * gamma1} of a channel, {@code relu(s h + beta1)} is non-decreasing in h when s >= 0 and
 * non-increasing when s < 0, and so is its float32 rounding; hence {@code maxpool(relu(s h +
 * beta1)) = relu(s maxpool(h) + beta1)} for s >= 0 and {@code relu(s minpool(h) + beta1)} for s <
 * 0, exactly. The prefix holds both poolings of the convolution (2 c1 channels of 14 x 14: max then
 * min), and each step picks one per channel: the first FiLM, ReLU and pooling then touch a quarter
 * of the values, and the pooling leaves the hot loop. {@link #forwardStraightforward} is the
 * reference it is tested against.
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

    private static NDArray conv(NDArray h, NDArray w, NDArray b) {
        return h.getNDArrayInternal().convolution(h, w, b, ONE, PAD, ONE, 1).singletonOrThrow();
    }

    private static NDArray maxPool(NDArray h) {
        return Pool.maxPool2d(h, POOL, POOL, NO_PAD, false);
    }

    /**
     * phi as FiLM parameters: {scale 1 = 1 + gamma1, shift 1} shaped to broadcast over [B, C, H,
     * W], {scale 2 = 1 + gamma2, shift 2} over one member's [1, B, C, H, W] (see {@link
     * #afterFirstPooling}).
     */
    private NDArray[] film(NDArray phi) {
        NDList parts = phi.split(new long[] {c1, 2L * c1, 2L * c1 + c2});
        return new NDArray[] {
            parts.get(0).reshape(1, c1, 1, 1).add(1f),
            parts.get(1).reshape(1, c1, 1, 1),
            parts.get(2).reshape(1, 1, c2, 1, 1).add(1f),
            parts.get(3).reshape(1, 1, c2, 1, 1)
        };
    }

    /**
     * The first convolution max-pooled (channels 0..c1-1) and min-pooled (c1..2 c1-1), stored
     * channels-last: shape [B, 14, 14, 2 c1].
     */
    @Override
    public NDArray prefix(Map<String, NDArray> theta, NDArray x) {
        NDManager outer = x.getManager();
        try (NDManager scratch = outer.newSubManager()) {
            NDArray img = x.reshape(-1, 1, 28, 28);
            img.attach(scratch);
            NDArray h = conv(img, theta.get("conv1w"), theta.get("conv1b"));
            NDArray pooled = NDArrays.concat(new NDList(maxPool(h), maxPool(h.neg()).neg()), 1);
            // Stored channels-last, [B, 14, 14, 2 c1] row-major: the rows a step selects are then
            // channels-last too, and so is everything the head computes from them, where
            // PyTorch's CPU max pooling is vectorised over channels (on [B, C, H, W] rows it took
            // about a third of each step; docs/benchmarks-history.md, cnn-film). The reshape of the
            // permuted
            // view is the copy.
            long n = pooled.getShape().get(0);
            NDArray rows = pooled.transpose(0, 2, 3, 1).reshape(n, -1).reshape(n, 14, 14, 2L * c1);
            // The full-resolution convolution and the temporaries go with the scratch manager;
            // an autograd graph that needs them (pre-training) keeps its own references.
            rows.attach(outer);
            return rows;
        }
    }

    @Override
    public NDArray head(Map<String, NDArray> theta, NDArray prefix, NDArray phi) {
        NDArray[] film = film(phi);
        NDArray s1 = film[0];
        // [B, 2 c1, 14, 14] with channels-last strides (a view of the stored rows).
        NDList maxMin = prefix.transpose(0, 3, 1, 2).split(new long[] {c1}, 1);
        NDArray max = maxMin.get(0);
        NDArray nonNegative =
                s1.gte(Autograd.constant(phi.getManager(), 0)).broadcast(max.getShape());
        NDArray pooled = NDArrays.where(nonNegative, max, maxMin.get(1));
        NDArray h1 = Activation.relu(pooled.mul(s1).add(film[1]));
        return afterFirstPooling(theta, h1, 1, film[2], film[3]);
    }

    /**
     * From the first layer's pooled activations of M members, [M * B, c1, 14, 14] member-major, to
     * the logits: the second convolution over all M * B images at once, then each member's second
     * FiLM ({@code s2} and {@code b2} of shape [M, 1, c2, 1, 1]), ReLU, pooling and the linear
     * layer. A single phi is the case M = 1.
     */
    private NDArray afterFirstPooling(
            Map<String, NDArray> theta, NDArray h1, long members, NDArray s2, NDArray b2) {
        NDArray h = conv(h1, theta.get("conv2w"), theta.get("conv2b"));
        long images = h.getShape().get(0);
        h = h.reshape(members, images / members, c2, 14, 14).mul(s2).add(b2);
        h = maxPool(Activation.relu(h).reshape(images, c2, 14, 14));
        return h.reshape(-1, c2 * 7 * 7).matMul(theta.get("fcw")).add(theta.get("fcb"));
    }

    /**
     * The M members' FiLM parameters broadcast over a leading member axis, [M, 1, C, 1, 1]: the
     * pooled prefix is shared, and each member's first FiLM picks its own pooling per channel (the
     * max where its scale is non-negative, as in {@link #head}); the second convolution then runs
     * once over all M * B images, member-major, and the second FiLM again per member.
     */
    @Override
    public NDArray populationHead(Map<String, NDArray> theta, NDArray prefix, NDArray phis) {
        long members = phis.getShape().get(0);
        NDList parts = phis.split(new long[] {c1, 2L * c1, 2L * c1 + c2}, 1);
        NDArray one = Autograd.constant(phis.getManager(), 1);
        NDArray s1 = parts.get(0).reshape(members, 1, c1, 1, 1).add(one);
        NDArray b1 = parts.get(1).reshape(members, 1, c1, 1, 1);
        NDArray s2 = parts.get(2).reshape(members, 1, c2, 1, 1).add(one);
        NDArray b2 = parts.get(3).reshape(members, 1, c2, 1, 1);
        NDList maxMin = prefix.transpose(0, 3, 1, 2).split(new long[] {c1}, 1);
        long batch = prefix.getShape().get(0);
        Shape perMember = new Shape(members, batch, c1, 14, 14);
        NDArray max = maxMin.get(0).expandDims(0).broadcast(perMember);
        NDArray min = maxMin.get(1).expandDims(0).broadcast(perMember);
        NDArray nonNegative = s1.gte(Autograd.constant(phis.getManager(), 0)).broadcast(perMember);
        NDArray pooled = NDArrays.where(nonNegative, max, min);
        NDArray h1 = Activation.relu(pooled.mul(s1).add(b1)).reshape(members * batch, c1, 14, 14);
        return afterFirstPooling(theta, h1, members, s2, b2);
    }

    /**
     * The straightforward forward pass (convolution, FiLM, ReLU, pooling in the order of supp. Fig.
     * 1b, from the pixels); the reference the pooled prefix is tested against. Above the first
     * pooling it is the head's own code: only the first layer differs.
     */
    public NDArray forwardStraightforward(Map<String, NDArray> theta, NDArray x, NDArray phi) {
        NDArray[] film = film(phi);
        NDArray h = conv(x.reshape(-1, 1, 28, 28), theta.get("conv1w"), theta.get("conv1b"));
        NDArray h1 = maxPool(Activation.relu(h.mul(film[0]).add(film[1])));
        return afterFirstPooling(theta, h1, 1, film[2], film[3]);
    }
}
