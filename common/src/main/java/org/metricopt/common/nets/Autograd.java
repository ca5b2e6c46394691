package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Thread-safe reverse-mode autodiff on the PyTorch engine. DJL's {@code GradientCollector} allows
 * only one collector per JVM at a time (a static flag), which would serialise or break concurrent
 * Spark tasks in one executor; PyTorch's grad mode itself is thread-local, so this helper drives it
 * directly. Callers own the arrays; nothing here holds native memory.
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
            JniUtils.backward((PtNDArray) scalar, (PtNDArray) seed, retainGraph, createGraph);
        }
    }

    /** Clears the accumulated gradient of a leaf. */
    public static void zeroGradient(NDArray leaf) {
        JniUtils.zeroGrad((PtNDArray) leaf);
    }
}
