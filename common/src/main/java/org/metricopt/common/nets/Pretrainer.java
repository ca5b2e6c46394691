package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntConsumer;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.DataSplits;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.data.Split;
import org.metricopt.common.io.Provenance;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.tasks.TaskData;

/**
 * Pre-trains theta on the pre-training split with Adam on 10-class cross-entropy and phi = 0, so
 * that phi = 0 is the un-adapted network every task starts from. Deterministic: initialisation and
 * epoch orders come from keyed generators, and the engine runs single-threaded.
 */
public final class Pretrainer {
    private Pretrainer() {}

    /** Result of pre-training: theta and its accuracy on the held-out test split (t10k). */
    public record Result(Theta theta, double testAccuracy, double finalTrainLoss) {}

    public static Result pretrain(MetricOptConfig config, FashionMnist ds, IntConsumer progress) {
        // One intra-op thread, as in every task: the reduction order, hence theta, is then the
        // same on every machine whatever its core count.
        EngineSetup.configure(config.spark().djlThreads());
        int[] rows = DataSplits.of(ds, config.data().pretrainCount()).indices(Split.PRETRAIN);
        BaseNetwork net = BaseNetwork.of(config.network());
        Theta init = Theta.initialise(config.network(), Keys.derive(config.seed(), "theta"));
        int batch = config.pretrain().batchSize();
        double lr = config.pretrain().learningRate();
        double beta1 = 0.9;
        double beta2 = 0.999;
        double lastLoss = Double.NaN;
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> theta = init.toNDArrays(manager);
            Map<String, NDArray> m = new LinkedHashMap<>();
            Map<String, NDArray> v = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : theta.entrySet()) {
                e.getValue().setRequiresGradient(true);
                m.put(e.getKey(), e.getValue().zerosLike());
                v.put(e.getKey(), e.getValue().zerosLike());
            }
            NDArray phi = manager.zeros(new Shape(net.adapterDim()));
            int step = 0;
            for (int epoch = 0; epoch < config.pretrain().epochs(); epoch++) {
                int[] order =
                        Keys.sampleWithoutReplacement(
                                Keys.rng(config.seed(), "pretrain-epoch", epoch),
                                rows.length,
                                rows.length);
                for (int start = 0; start + batch <= order.length; start += batch) {
                    int[] idx = new int[batch];
                    for (int i = 0; i < batch; i++) {
                        idx[i] = rows[order[start + i]];
                    }
                    step++;
                    try (NDManager sub = manager.newSubManager()) {
                        NDArray x =
                                sub.create(
                                        inputs(ds.trainPixels(), idx),
                                        new Shape(batch, BaseNetwork.INPUTS));
                        NDArray y =
                                sub.create(
                                        oneHot(ds.trainLabels(), idx),
                                        new Shape(batch, BaseNetwork.CLASSES));
                        Autograd.setRecording(true);
                        NDArray loss;
                        try {
                            NDArray logits = net.forward(theta, x, phi);
                            loss =
                                    logits.logSoftmax(1)
                                            .mul(y)
                                            .sum()
                                            .div(Autograd.constant(sub, batch))
                                            .neg();
                            Autograd.backward(loss, false, false);
                        } finally {
                            Autograd.setRecording(false);
                        }
                        lastLoss = loss.getFloat();
                        double c1 = 1 - Math.pow(beta1, step);
                        double c2 = 1 - Math.pow(beta2, step);
                        for (Map.Entry<String, NDArray> e : theta.entrySet()) {
                            NDArray p = e.getValue();
                            NDArray g = p.getGradient();
                            NDArray mk = m.get(e.getKey());
                            NDArray vk = v.get(e.getKey());
                            mk.muli(beta1).addi(g.mul(1 - beta1));
                            vk.muli(beta2).addi(g.square().muli(1 - beta2));
                            NDArray update = mk.div(c1).div(vk.div(c2).sqrt().add(1e-8)).mul(lr);
                            p.subi(update);
                            Autograd.zeroGradient(p);
                        }
                    }
                }
                if (progress != null) {
                    progress.accept(epoch + 1);
                }
            }
            double acc = testAccuracy(net, theta, ds, manager);
            Map<String, Object> meta = new LinkedHashMap<>();
            meta.put("provenance", Provenance.collect());
            meta.put("seed", config.seed());
            meta.put("dataset_checksum", ds.checksum());
            meta.put("pretrain_examples", rows.length);
            meta.put("epochs", config.pretrain().epochs());
            meta.put("batch_size", batch);
            meta.put("learning_rate", lr);
            meta.put("test_accuracy", acc);
            meta.put("final_train_loss", lastLoss);
            Theta result = Theta.fromNDArrays(config.network(), theta, meta);
            return new Result(result, acc, lastLoss);
        }
    }

    /** Accuracy of theta with phi = 0 on all of t10k. */
    public static double testAccuracy(
            BaseNetwork net, Map<String, NDArray> theta, FashionMnist ds, NDManager manager) {
        int n = ds.testCount();
        int correct = 0;
        int chunk = 1000;
        try (NDManager sub = manager.newSubManager()) {
            NDArray phi = sub.zeros(new Shape(net.adapterDim()));
            for (int start = 0; start < n; start += chunk) {
                int len = Math.min(chunk, n - start);
                int[] idx = new int[len];
                for (int i = 0; i < len; i++) {
                    idx[i] = start + i;
                }
                try (NDManager s2 = sub.newSubManager()) {
                    NDArray x =
                            s2.create(
                                    inputs(ds.testPixels(), idx),
                                    new Shape(len, BaseNetwork.INPUTS));
                    long[] pred = net.forward(theta, x, phi).argMax(1).toLongArray();
                    for (int i = 0; i < len; i++) {
                        if (pred[i] == ds.testLabels()[idx[i]]) {
                            correct++;
                        }
                    }
                }
            }
        }
        return (double) correct / n;
    }

    /** Standardised inputs of the given images, without any task shift. */
    public static float[] inputs(byte[] pixels, int[] idx) {
        int p = BaseNetwork.INPUTS;
        float[] out = new float[idx.length * p];
        for (int i = 0; i < idx.length; i++) {
            int base = idx[i] * p;
            for (int k = 0; k < p; k++) {
                out[i * p + k] =
                        ((pixels[base + k] & 0xff) / 255f - TaskData.PIXEL_MEAN)
                                / TaskData.PIXEL_STD;
            }
        }
        return out;
    }

    private static float[] oneHot(byte[] labels, int[] idx) {
        float[] out = new float[idx.length * BaseNetwork.CLASSES];
        for (int i = 0; i < idx.length; i++) {
            out[i * BaseNetwork.CLASSES + labels[idx[i]]] = 1f;
        }
        return out;
    }
}
