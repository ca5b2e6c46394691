package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Thread-safe reverse-mode autodiff on the PyTorch engine. DJL's {@code GradientCollector} allows
 * only one collector per JVM at a time (a static flag), which would serialise or break concurrent
 * Spark tasks in one executor; PyTorch's grad mode itself is thread-local, so this helper drives it
 * directly. Callers own the arrays; nothing here holds native memory.
 *
 * <p><b>Scalars in a recorded graph.</b> Use {@link #constant} instead of DJL's {@code Number}
 * overloads ({@code mul(Number)}, {@code div(Number)}, {@code maximum(Number)}, ...) on any array
 * that carries autograd history. Those overloads wrap the number in a temporary array whose memory
 * is a Java direct buffer ({@code torch::from_blob}, no copy) and close it as soon as the operation
 * returns. PyTorch saves that tensor for the backward pass of {@code mul}, {@code div}, {@code
 * maximum} and the like, but does not own its memory: once the garbage collector frees the buffer,
 * the memory is handed to other allocations (of this thread or another task's), and backward reads
 * whatever is there. The reparameterisation unroll, whose graph lives for hundreds of steps, got
 * NaN or wrong gradients depending on when the collector ran.
 */
public final class Autograd {
    private Autograd() {}

    /** Turns gradient recording on or off for the calling thread only. */
    public static void setRecording(boolean on) {
        JniUtils.setGradMode(on);
    }

    /**
     * Back-propagates a scalar; gradients accumulate into every array that requires one.
     *
     * @param createGraph record the backward pass too, for higher-order gradients
     */
    public static void backward(NDArray scalar, boolean retainGraph, boolean createGraph) {
        try (NDArray seed = scalar.onesLike()) {
            backward(scalar, seed, retainGraph, createGraph);
        }
    }

    /**
     * {@link #backward(NDArray, boolean, boolean)} with the caller's seed d scalar / d scalar (a
     * float32 scalar 1, which the backward pass only reads), for callers that back-propagate often
     * and keep one seed instead of creating one per call.
     */
    public static void backward(
            NDArray scalar, NDArray seed, boolean retainGraph, boolean createGraph) {
        JniUtils.backward((PtNDArray) scalar, (PtNDArray) seed, retainGraph, createGraph);
    }

    /**
     * A float32 scalar owned by {@code manager}, for arithmetic on arrays in a recorded graph; the
     * manager must stay open until the backward pass has run (see the class comment).
     */
    public static NDArray constant(NDManager manager, double value) {
        return manager.create((float) value);
    }

    /**
     * Adds {@code constant} (an array that needs no gradient) to {@code target} in place, outside
     * the recorded graph, and returns target. The gradient of adding a constant is the identity,
     * which autograd would record as a node that passes the gradient on unchanged; skipping it
     * leaves every gradient the same bits. Only for a target that no recorded backward reads (such
     * as a matmul's fresh output: a matmul saves its inputs, not its output), since the in-place
     * write changes its value after it was recorded. Restores the calling thread's grad mode.
     */
    public static NDArray addConstantInPlace(NDArray target, NDArray constant) {
        boolean recording = JniUtils.isGradMode();
        if (recording) {
            JniUtils.setGradMode(false);
        }
        try {
            return target.addi(constant);
        } finally {
            if (recording) {
                JniUtils.setGradMode(true);
            }
        }
    }

    /** Clears the accumulated gradient of a leaf. */
    public static void zeroGradient(NDArray leaf) {
        JniUtils.zeroGrad((PtNDArray) leaf);
    }
}
