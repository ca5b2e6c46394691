package org.metricopt.common.nets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.rng.Keys;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.tasks.TaskSampler;
import org.metricopt.common.tasks.TaskSpec;
import org.metricopt.common.testing.Fixtures;

class NetworksTest {

    private static float[] gaussian(long seed, int n, double std) {
        SplittableRandom rng = Keys.rng(seed, "test");
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (std * Keys.gaussian(rng));
        }
        return a;
    }

    @Test
    void cachedFirstLayerEqualsConcatenatedInputWithinTolerance() {
        MetricOptConfig config = Fixtures.smallConfig();
        Theta theta = Fixtures.randomTheta(config);
        MlpInputBias net = (MlpInputBias) BaseNetwork.of(config.network());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> p = theta.toNDArrays(m);
            NDArray x = m.create(gaussian(1, 16 * 784, 1.0), new Shape(16, 784));
            NDArray phi = m.create(gaussian(2, 128, 0.5), new Shape(128));
            float[] split = net.head(p, net.prefix(p, x), phi).toFloatArray();
            float[] concat = net.forwardConcatenated(p, x, phi).toFloatArray();
            assertThat(split).hasSize(16 * 10);
            float maxAbs = 0;
            for (float v : concat) {
                maxAbs = Math.max(maxAbs, Math.abs(v));
            }
            // Stated tolerance: float32 re-association of one 912-term dot product per unit.
            for (int i = 0; i < split.length; i++) {
                assertThat(split[i])
                        .isCloseTo(
                                concat[i],
                                org.assertj.core.data.Offset.offset(1e-4f * Math.max(1f, maxAbs)));
            }
        }
    }

    /**
     * The pooled prefix (pooling moved below the first FiLM and ReLU, max or min per the sign of
     * the scale) gives the same logits, bit for bit, as convolution, FiLM, ReLU and pooling in
     * order, for scales of both signs; d logits / d phi agree up to float re-association.
     */
    @Test
    void pooledPrefixEqualsTheStraightforwardCnnForScalesOfBothSigns() {
        MetricOptConfig config = Fixtures.smallConfig("network.kind=cnn");
        Theta theta = Fixtures.randomTheta(config);
        CnnFilm net = (CnnFilm) BaseNetwork.of(config.network());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> p = theta.toNDArrays(m);
            NDArray x = m.create(gaussian(5, 12 * 784, 1.0), new Shape(12, 784));
            float[] phiValues = gaussian(6, 96, 1.5);
            // gamma = -1 exactly (scale 0) on one channel of each FiLM layer as well.
            phiValues[3] = -1f;
            phiValues[2 * 16 + 5] = -1f;
            int negativeScales = 0;
            for (int c = 0; c < 16; c++) {
                negativeScales += 1 + phiValues[c] < 0 ? 1 : 0;
            }
            assertThat(negativeScales)
                    .as("first-layer channels with a negative scale")
                    .isBetween(2, 14);
            float[] weights = gaussian(7, 12 * 10, 1.0);
            float[][] logits = new float[2][];
            float[][] grads = new float[2][];
            for (int path = 0; path < 2; path++) {
                try (NDManager step = m.newSubManager()) {
                    Autograd.setRecording(true);
                    try {
                        NDArray phi = step.create(phiValues, new Shape(96));
                        phi.setRequiresGradient(true);
                        NDArray out =
                                path == 0
                                        ? net.head(p, net.prefix(p, x), phi)
                                        : net.forwardStraightforward(p, x, phi);
                        logits[path] = out.toFloatArray();
                        NDArray objective = out.mul(step.create(weights, new Shape(12, 10))).sum();
                        Autograd.backward(objective, false, false);
                        grads[path] = phi.getGradient().toFloatArray();
                    } finally {
                        Autograd.setRecording(false);
                    }
                }
            }
            assertThat(logits[0]).hasSize(120).isEqualTo(logits[1]);
            float maxAbs = 0;
            for (float g : grads[1]) {
                maxAbs = Math.max(maxAbs, Math.abs(g));
            }
            // Stated tolerance: the same terms summed in another order (over 14 x 14 pooled
            // positions instead of 28 x 28 with zeros), float32.
            for (int i = 0; i < 96; i++) {
                assertThat(grads[0][i])
                        .as("d/d phi[%d]", i)
                        .isCloseTo(
                                grads[1][i],
                                org.assertj.core.data.Offset.offset(1e-5f * Math.max(1f, maxAbs)));
            }
        }
    }

    @Test
    void filmWithZeroPhiIsTheUnadaptedNetworkAndPhiChangesTheOutput() {
        MetricOptConfig config = Fixtures.smallConfig("network.kind=cnn");
        Theta theta = Fixtures.randomTheta(config);
        BaseNetwork net = BaseNetwork.of(config.network());
        assertThat(net.adapterDim()).isEqualTo(2 * (16 + 32));
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> p = theta.toNDArrays(m);
            NDArray x = m.create(gaussian(3, 4 * 784, 1.0), new Shape(4, 784));
            float[] zero = net.forward(p, x, m.zeros(new Shape(96))).toFloatArray();
            float[] again = net.forward(p, x, m.zeros(new Shape(96))).toFloatArray();
            float[] moved = net.forward(p, x, m.create(gaussian(4, 96, 0.5))).toFloatArray();
            assertThat(zero).hasSize(40).containsExactly(again);
            assertThat(moved).isNotEqualTo(zero);
        }
    }

    /** The task's network bound on {@code m}, with the task's data. */
    private static TaskNetwork taskNetwork(
            NDManager m, MetricOptConfig config, Theta theta, TaskSpec spec) {
        TaskData data = Fixtures.runner(config, theta).data(spec);
        return new TaskNetwork(m, BaseNetwork.of(config.network()), theta, spec, data);
    }

    /**
     * Evaluating the task outputs and the validation loss leaves nothing on the network's manager:
     * the arrays attached under it after N calls are those after one. (The CNN's head once left all
     * its activations on it, freed only at the task's end: gigabytes per unroll.)
     */
    @Test
    void evaluationsLeaveNoArraysOnTheTaskManager() {
        for (String kind : new String[] {"mlp", "cnn"}) {
            MetricOptConfig config = Fixtures.smallConfig("network.kind=" + kind);
            Theta theta = Fixtures.randomTheta(config);
            TaskSpec spec = new TaskSampler(config).sample(TaskSampler.FINETUNE, 0, 0);
            try (NDManager m = NDManager.newBaseManager();
                    TaskNetwork net = taskNetwork(m, config, theta, spec)) {
                int d = net.adapterDim();
                float[] grad = new float[d];
                int[] rows = {0, 1, 2, 3};
                Runnable evaluations =
                        () -> {
                            float[] phi = gaussian(3, d, 0.1);
                            net.validationOutputs(phi);
                            net.testOutputs(phi);
                            net.validationLossAndGradient(phi, grad);
                            net.lossAndGradient(phi, rows, grad);
                            net.loss(phi, rows);
                        };
                evaluations.run();
                int after1 = Fixtures.liveArrays(m);
                for (int i = 0; i < 3; i++) {
                    evaluations.run();
                }
                assertThat(Fixtures.liveArrays(m)).as(kind).isEqualTo(after1);
            }
        }
    }

    /** d loss / d phi from autograd against central finite differences, for every head and net. */
    @Test
    void adapterGradientMatchesFiniteDifferences() {
        for (String kind : new String[] {"mlp", "cnn"}) {
            MetricOptConfig config = Fixtures.smallConfig("network.kind=" + kind);
            Theta theta = Fixtures.randomTheta(config);
            TaskSampler sampler = new TaskSampler(config);
            for (int index = 0; index < 6; index++) {
                TaskSpec spec = sampler.sample(TaskSampler.FINETUNE, 0, index);
                try (NDManager m = NDManager.newBaseManager();
                        TaskNetwork net = taskNetwork(m, config, theta, spec)) {
                    int d = net.adapterDim();
                    float[] phi = gaussian(10 + index, d, 0.1);
                    int[] rows = {0, 3, 5, 7, 11, 13, 17, 19};
                    float[] grad = new float[d];
                    net.lossAndGradient(phi, rows, grad);
                    for (int i = 0; i < d; i += Math.max(1, d / 8)) {
                        float h = 2e-3f;
                        float[] plus = phi.clone();
                        float[] minus = phi.clone();
                        plus[i] += h;
                        minus[i] -= h;
                        double fd = (net.loss(plus, rows) - net.loss(minus, rows)) / (2 * h);
                        assertThat(grad[i])
                                .as("%s %s coordinate %d", kind, spec.kind(), i)
                                .isCloseTo(
                                        (float) fd,
                                        org.assertj.core.data.Offset.offset(
                                                2e-3f + 0.05f * (float) Math.abs(fd)));
                    }
                }
            }
        }
    }

    @Test
    void thetaRoundTripsThroughItsFilesAndRejectsCorruption(@TempDir Path dir) throws Exception {
        MetricOptConfig config = Fixtures.smallConfig();
        Theta theta = Fixtures.randomTheta(config);
        Configuration conf = new Configuration();
        String uri = dir.toUri().toString() + "theta";
        theta.save(conf, uri);
        assertThat(Theta.exists(conf, uri)).isTrue();
        Theta back = Theta.load(conf, uri, config.network());
        assertThat(back.values("w1phi")).containsExactly(theta.values("w1phi"));
        assertThat(back.values("b3")).containsExactly(theta.values("b3"));

        MetricOptConfig cnn = Fixtures.smallConfig("network.kind=cnn");
        assertThatThrownBy(() -> Theta.load(conf, uri, cnn.network()))
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("holds network mlp-128-256-128");

        Path tensors = dir.resolve("theta").resolve(Theta.TENSORS);
        byte[] bytes = Files.readAllBytes(tensors);
        bytes[bytes.length / 2] ^= 0x55;
        Files.write(tensors, bytes);
        assertThatThrownBy(() -> Theta.load(conf, uri, config.network()))
                .isInstanceOf(MetricOptException.class)
                .satisfies(
                        e ->
                                assertThat(((MetricOptException) e).errorClass())
                                        .isEqualTo(ErrorClass.INVALID_CHECKPOINT))
                .hasMessageContaining(Theta.TENSORS);

        Path manifest = dir.resolve("theta").resolve(Theta.MANIFEST);
        Files.deleteIfExists(dir.resolve("theta").resolve("." + Theta.MANIFEST + ".crc"));
        Files.writeString(
                manifest,
                Files.readString(manifest)
                        .replace("\"format_version\" : 1", "\"format_version\" : 99"));
        assertThatThrownBy(() -> Theta.load(conf, uri, config.network()))
                .isInstanceOf(MetricOptException.class)
                .hasMessageContaining("format_version 99 is not supported");
    }
}
