package org.metricopt.common.nets;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Loads the PyTorch engine offline and sets its intra-op thread count. The count is process-wide,
 * so every task of a JVM must agree; one thread per task, with one Spark task per core, fills the
 * machine and keeps the floating-point reduction order, hence every result, independent of the
 * number of cores.
 */
public final class EngineSetup {
    private static int configuredThreads = -1;

    private EngineSetup() {}

    public static synchronized void configure(int threads) {
        if (configuredThreads == threads) {
            return;
        }
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        Engine.getEngine("PyTorch");
        JniUtils.setNumThreads(threads);
        Autograd.setRecording(false);
        configuredThreads = threads;
    }
}
