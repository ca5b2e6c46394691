package org.metricopt.driver.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.io.Digests;
import org.metricopt.common.io.Provenance;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.nets.ParamSpec;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.common.valuefn.ValueLearner;

/**
 * {@code metricopt export} end to end, loaded back with DJL: the safetensors files decode with
 * DJL's own reader (NDList.decode) into tensors named and shaped as the JSON descriptions say; the
 * value function rebuilt from them, and a forward pass written from the description alone, give the
 * original ValueFunction's predictions; the learned optimizer's steps and theta's tensors and
 * logits are those of the run. Also: the provenance, --force, and that nothing half-written is left
 * beside the export.
 */
class ExportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** DJL's safetensors reader: name -> tensor. */
    private static Map<String, NDArray> load(NDManager m, Path file) throws IOException {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (NDArray a : NDList.decode(m, Files.readAllBytes(file))) {
            out.put(a.getName(), a);
        }
        return out;
    }

    private static float[] concat(Map<String, NDArray> t, String... names) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (String name : names) {
            float[] p = t.get(name).toFloatArray();
            parts.add(p);
            n += p.length;
        }
        float[] out = new float[n];
        int pos = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    private static ExportFixture.Outcome export(ExportFixture f, Path out, String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of("export", "--run-dir", f.runUri(), "--out", out.toString()));
        args.addAll(List.of(extra));
        return ExportFixture.execute(args.toArray(String[]::new));
    }

    @Test
    void exportedModelsLoadBackWithDjlAndComputeWhatTheRunComputes(@TempDir Path tmp)
            throws IOException {
        ExportFixture f = ExportFixture.create(tmp, true);
        Path out = tmp.resolve("export");
        ExportFixture.Outcome r = export(f, out);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")))
                    .containsExactlyInAnyOrder(
                            "theta.safetensors",
                            "theta.json",
                            "value_function.safetensors",
                            "value_function.json",
                            "learned_optimizer.safetensors",
                            "learned_optimizer.json");
        }
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString()))
                    .as("no staging directory is left beside the export")
                    .noneMatch(n -> n.startsWith(".export"));
        }

        ValueLearner learner = ValueLearner.of(f.config());
        int n = learner.inputs();
        int d = n - learner.contextSize();
        int h = f.config().valueFunction().hidden();
        try (NDManager m = NDManager.newBaseManager()) {
            // --- The value function. ---
            Map<String, NDArray> vf = load(m, out.resolve("value_function.safetensors"));
            assertThat(vf.keySet())
                    .containsExactly(
                            "scaler.mean",
                            "scaler.std",
                            "layer0.weight",
                            "layer0.bias",
                            "layer1.weight",
                            "layer1.bias",
                            "layer2.weight",
                            "layer2.bias");
            assertThat(vf.get("layer0.weight").getShape()).isEqualTo(new Shape(n, h));
            assertThat(vf.get("layer1.weight").getShape()).isEqualTo(new Shape(h, h));
            assertThat(vf.get("layer2.weight").getShape()).isEqualTo(new Shape(h, 1));
            assertThat(vf.get("layer2.bias").getShape()).isEqualTo(new Shape(1));
            assertThat(vf.get("scaler.mean").toFloatArray()).isEqualTo(f.models().scalerMean());
            assertThat(vf.get("scaler.std").toFloatArray()).isEqualTo(f.models().scalerStd());
            JsonNode vfJson = JSON.readTree(out.resolve("value_function.json").toFile());
            for (JsonNode layer : vfJson.get("layers")) {
                if (layer.get("type").asText().equals("linear")) {
                    assertThat(vf.get(layer.get("weight").asText()).getShape().getShape())
                            .isEqualTo(JSON.convertValue(layer.get("weight_shape"), long[].class));
                }
            }
            float[] flat =
                    concat(
                            vf,
                            "layer0.weight",
                            "layer0.bias",
                            "layer1.weight",
                            "layer1.bias",
                            "layer2.weight",
                            "layer2.bias");
            assertThat(flat).isEqualTo(f.models().valueWeights());

            float[][] xs = f.inputs(6, 5);
            try (ValueFunction original =
                            new ValueFunction(m, n, d, h, f.scaler(), f.models().valueWeights());
                    ValueFunction rebuilt =
                            new ValueFunction(
                                    m,
                                    n,
                                    d,
                                    h,
                                    new org.metricopt.common.valuefn.InputScaler(
                                            vf.get("scaler.mean").toFloatArray(),
                                            vf.get("scaler.std").toFloatArray()),
                                    flat)) {
                for (float[] x : xs) {
                    float expected = original.predict(x)[0];
                    assertThat(rebuilt.predict(x)[0]).isEqualTo(expected);
                    // The forward pass of value_function.json, written from the tensors alone.
                    NDArray in = m.create(x, new Shape(1, n));
                    NDArray z = in.sub(vf.get("scaler.mean")).div(vf.get("scaler.std"));
                    NDArray a1 =
                            Activation.tanh(
                                    z.matMul(vf.get("layer0.weight")).add(vf.get("layer0.bias")));
                    NDArray a2 =
                            Activation.tanh(
                                    a1.matMul(vf.get("layer1.weight")).add(vf.get("layer1.bias")));
                    float g =
                            a2.matMul(vf.get("layer2.weight"))
                                    .add(vf.get("layer2.bias"))
                                    .toFloatArray()[0];
                    assertThat(g).isCloseTo(expected, within(1e-6f));
                }
            }
            assertThat(vfJson.at("/output/residual").asBoolean())
                    .isEqualTo(f.config().valueFunction().residual());
            assertThat(vfJson.at("/output/residual_offset_index").asInt())
                    .isEqualTo(d + ValueLearner.families(f.config()).size());
            assertThat(vfJson.at("/inputs/names").size()).isEqualTo(n);
            assertThat(vfJson.at("/inputs/names/" + (d + 3)).asText()).isEqualTo("M_0");
            assertThat(vfJson.get("forward").asText()).contains("tanh", "M_0 + g");

            // --- The learned optimizer. ---
            Map<String, NDArray> lo = load(m, out.resolve("learned_optimizer.safetensors"));
            int hl = f.config().learnedOptimizer().hidden();
            assertThat(lo.keySet())
                    .containsExactly(
                            "layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias");
            assertThat(lo.get("layer0.weight").getShape())
                    .isEqualTo(new Shape(LearnedOptimizer.FEATURES, hl));
            assertThat(lo.get("layer1.weight").getShape()).isEqualTo(new Shape(hl, 2));
            float[] loFlat =
                    concat(lo, "layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias");
            assertThat(loFlat).isEqualTo(f.models().learnedWeights());
            checkLearnedOptimizerSteps(m, f, lo, loFlat);

            // --- Theta. ---
            Map<String, NDArray> theta = load(m, out.resolve("theta.safetensors"));
            BaseNetwork net = BaseNetwork.of(f.config().network());
            List<String> names = new ArrayList<>();
            for (ParamSpec s : net.params()) {
                names.add(s.name());
                assertThat(theta.get(s.name()).getShape()).as(s.name()).isEqualTo(s.shape());
                assertThat(theta.get(s.name()).toFloatArray())
                        .as(s.name())
                        .isEqualTo(f.theta().values(s.name()));
            }
            assertThat(theta.keySet()).containsExactlyElementsOf(names);
            SplittableRandom rng = new SplittableRandom(2);
            float[] pixels = new float[3 * BaseNetwork.INPUTS];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) rng.nextGaussian();
            }
            float[] phi = new float[d];
            for (int i = 0; i < d; i++) {
                phi[i] = (float) (rng.nextGaussian() * 0.1);
            }
            NDArray x = m.create(pixels, new Shape(3, BaseNetwork.INPUTS));
            NDArray p = m.create(phi);
            assertThat(net.forward(theta, x, p).toFloatArray())
                    .isEqualTo(net.forward(f.theta().toNDArrays(m), x, p).toFloatArray());
        }

        // --- Provenance, in the JSON and in the safetensors metadata. ---
        for (String model : List.of("theta", "value_function", "learned_optimizer")) {
            JsonNode desc = JSON.readTree(out.resolve(model + ".json").toFile());
            byte[] tensors = Files.readAllBytes(out.resolve(model + ".safetensors"));
            assertThat(desc.get("format").asText()).isEqualTo("metricopt-export");
            assertThat(desc.get("model").asText()).isEqualTo(model);
            assertThat(desc.get("tensors_sha256").asText()).isEqualTo(Digests.sha256(tensors));
            assertThat(desc.get("layers").isArray()).isTrue();
            JsonNode prov = desc.get("provenance");
            assertThat(prov.get("config_fingerprint").asText())
                    .isEqualTo(f.models().configFingerprint());
            assertThat(prov.get("checkpoint_iteration").asLong()).isEqualTo(3);
            assertThat(prov.get("git_commit").asText()).isEqualTo(Provenance.gitCommit());
            assertThat(prov.get("pytorch_version").asText()).matches("\\d+\\.\\d+\\.\\d+");
            assertThat(prov.get("hadoop_version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
            for (String key :
                    List.of("metricopt_version", "djl_version", "java_version", "run", "created")) {
                assertThat(prov.has(key)).as(key).isTrue();
            }
            assertThat(prov.at("/run/config_fingerprint").asText())
                    .isEqualTo(f.models().configFingerprint());
            Map<String, String> meta = SafeTensors.metadata(tensors);
            assertThat(meta)
                    .containsEntry("format", "metricopt-export")
                    .containsEntry("model", model)
                    .containsEntry("config_fingerprint", f.models().configFingerprint())
                    .containsEntry("checkpoint_iteration", "3")
                    .containsEntry("git_commit", Provenance.gitCommit())
                    .containsKeys("metricopt_version", "djl_version", "pytorch_version");
            // A standard header: 8-byte length, JSON starting with '{', padded to 8 bytes.
            long headerLength =
                    java.nio.ByteBuffer.wrap(tensors, 0, 8)
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .getLong();
            assertThat(headerLength % 8).isZero();
            assertThat(tensors[8]).isEqualTo((byte) '{');
        }

        // --- An existing export is replaced only with --force. ---
        ExportFixture.Outcome again = export(f, out);
        assertThat(again.exitCode()).isEqualTo(2);
        assertThat(again.stderr().lines().filter(l -> l.startsWith("metricopt:")).toList())
                .singleElement()
                .asString()
                .contains("--out " + out, "--force");
        Files.writeString(out.resolve("stale.txt"), "old");
        ExportFixture.Outcome forced = export(f, out, "--force");
        assertThat(forced.exitCode()).as(forced.stderr()).isZero();
        assertThat(out.resolve("stale.txt")).doesNotExist();
        assertThat(out.resolve("value_function.safetensors")).isRegularFile();
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertThat(siblings.map(p -> p.getFileName().toString()))
                    .noneMatch(s -> s.startsWith(".export"));
        }
    }

    /**
     * The learned optimizer rebuilt from the exported tensors steps exactly as the run's; and its
     * first step, computed from the tensors and the description's formula alone, matches.
     */
    private static void checkLearnedOptimizerSteps(
            NDManager m, ExportFixture f, Map<String, NDArray> lo, float[] loFlat) {
        int hl = f.config().learnedOptimizer().hidden();
        double alpha = f.config().learnedOptimizer().baseStep();
        int dim = 5;
        SplittableRandom rng = new SplittableRandom(9);
        float[] phiA = new float[dim];
        for (int i = 0; i < dim; i++) {
            phiA[i] = (float) (rng.nextGaussian() * 0.3);
        }
        float[] phiB = phiA.clone();
        float[] phi0 = phiA.clone();
        LearnedOptimizer original =
                new LearnedOptimizer(f.models().learnedWeights(), hl, alpha, dim);
        LearnedOptimizer rebuilt = new LearnedOptimizer(loFlat, hl, alpha, dim);
        float[] firstStep = null;
        float[] firstGrad = null;
        for (int t = 0; t < 4; t++) {
            float[] grad = new float[dim];
            for (int i = 0; i < dim; i++) {
                grad[i] = (float) rng.nextGaussian();
            }
            double loss = 1.0 / (t + 1);
            original.step(phiA, grad, loss, t);
            rebuilt.step(phiB, grad, loss, t);
            assertThat(phiB).isEqualTo(phiA);
            if (t == 0) {
                firstStep = phiA.clone();
                firstGrad = grad;
            }
        }
        // Step 0 from the description: gbar = 0.1 g, v = 0.001 g^2, so rms = |g| + eps and
        // x0 = x1 = g / rms; x2 = phi; x3 = loss / loss_0 = 1; x4 = 1 (no metric yet); x5 = x6 = 0.
        float[] features = new float[dim * LearnedOptimizer.FEATURES];
        for (int i = 0; i < dim; i++) {
            double c2 = 1 - LearnedOptimizer.B2;
            double v = c2 * firstGrad[i] * firstGrad[i];
            double rms = Math.sqrt(v / c2) + LearnedOptimizer.EPS;
            double gbar = (1 - LearnedOptimizer.B1) * firstGrad[i];
            double x0 = firstGrad[i] / rms;
            double x1 = gbar / (1 - LearnedOptimizer.B1) / rms;
            float[] row = {(float) x0, (float) x1, phi0[i], 1f, 1f, 0f, 0f};
            System.arraycopy(row, 0, features, i * row.length, row.length);
        }
        NDArray x = m.create(features, new Shape(dim, LearnedOptimizer.FEATURES));
        NDArray a = Activation.tanh(x.matMul(lo.get("layer0.weight")).add(lo.get("layer0.bias")));
        float[] o = a.matMul(lo.get("layer1.weight")).add(lo.get("layer1.bias")).toFloatArray();
        for (int i = 0; i < dim; i++) {
            double o1 = o[2 * i];
            double o2 = o[2 * i + 1];
            double x1 = features[i * LearnedOptimizer.FEATURES + 1];
            double step =
                    alpha
                            * Math.exp(
                                    Math.max(
                                            -LearnedOptimizer.MAX_LOG_STEP,
                                            Math.min(LearnedOptimizer.MAX_LOG_STEP, o2)));
            double expected = phi0[i] + step * (-x1 + o1);
            assertThat((double) firstStep[i])
                    .as("coordinate %d", i)
                    .isCloseTo(expected, within(1e-6));
        }
    }

    @Test
    void aRunWithoutALearnedOptimizerExportsThetaAndTheValueFunction(@TempDir Path tmp)
            throws IOException {
        ExportFixture f = ExportFixture.create(tmp, false);
        Path out = tmp.resolve("export");
        Files.createDirectories(out); // an empty directory is fine
        ExportFixture.Outcome r = export(f, out);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(out.resolve("value_function.safetensors")).isRegularFile();
        assertThat(out.resolve("theta.safetensors")).isRegularFile();
        assertThat(out.resolve("learned_optimizer.safetensors")).doesNotExist();
        assertThat(out.resolve("learned_optimizer.json")).doesNotExist();
    }

    @Test
    void aCnnRunExportsItsConvolutionsAndTheFilmSizedValueFunction(@TempDir Path tmp)
            throws IOException {
        ExportFixture f = ExportFixture.create(tmp, false, "network.kind = cnn");
        Path out = tmp.resolve("export");
        ExportFixture.Outcome r = export(f, out);
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        BaseNetwork net = BaseNetwork.of(f.config().network());
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> theta = load(m, out.resolve("theta.safetensors"));
            assertThat(theta.keySet())
                    .containsExactly("conv1w", "conv1b", "conv2w", "conv2b", "fcw", "fcb");
            for (ParamSpec s : net.params()) {
                assertThat(theta.get(s.name()).getShape()).as(s.name()).isEqualTo(s.shape());
                assertThat(theta.get(s.name()).toFloatArray())
                        .isEqualTo(f.theta().values(s.name()));
            }
            SplittableRandom rng = new SplittableRandom(4);
            float[] pixels = new float[2 * BaseNetwork.INPUTS];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) rng.nextGaussian();
            }
            float[] phi = new float[net.adapterDim()];
            for (int i = 0; i < phi.length; i++) {
                phi[i] = (float) (rng.nextGaussian() * 0.1);
            }
            NDArray x = m.create(pixels, new Shape(2, BaseNetwork.INPUTS));
            NDArray p = m.create(phi);
            assertThat(net.forward(theta, x, p).toFloatArray())
                    .isEqualTo(net.forward(f.theta().toNDArrays(m), x, p).toFloatArray());
        }
        JsonNode thetaJson = JSON.readTree(out.resolve("theta.json").toFile());
        assertThat(thetaJson.get("kind").asText()).isEqualTo("cnn");
        assertThat(thetaJson.get("forward").asText()).contains("conv3x3", "gamma1");
        JsonNode vfJson = JSON.readTree(out.resolve("value_function.json").toFile());
        assertThat(vfJson.at("/inputs/phi_size").asInt()).isEqualTo(net.adapterDim());
    }

    @Test
    void aRunDirectoryWithoutACheckpointIsAnErrorNamingRunDir(@TempDir Path tmp)
            throws IOException {
        ExportFixture f = ExportFixture.create(tmp, false);
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Path out = tmp.resolve("export");
        ExportFixture.Outcome r =
                ExportFixture.execute(
                        "export", "--run-dir", empty.toString(), "--out", out.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr().lines().filter(l -> l.startsWith("metricopt:")).toList())
                .singleElement()
                .asString()
                .contains("--run-dir " + empty, "no complete checkpoint", "meta-train");
        assertThat(out).doesNotExist();

        ExportFixture.Outcome missing =
                ExportFixture.execute(
                        "export",
                        "--run-dir",
                        tmp.resolve("nowhere").toString(),
                        "--out",
                        out.toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.stderr())
                .contains("--run-dir " + tmp.resolve("nowhere"), "does not exist");

        ExportFixture.Outcome noRunDir = ExportFixture.execute("export", "--out", out.toString());
        assertThat(noRunDir.exitCode()).isEqualTo(2);
        assertThat(noRunDir.stderr()).contains("--run-dir");

        ExportFixture.Outcome noOut = ExportFixture.execute("export", "--run-dir", f.runUri());
        assertThat(noOut.exitCode()).isEqualTo(2);
        assertThat(noOut.stderr()).contains("--out");

        ExportFixture.Outcome intoRun =
                ExportFixture.execute(
                        "export", "--run-dir", f.runUri(), "--out", tmp.toString(), "--force");
        assertThat(intoRun.exitCode()).isEqualTo(2);
        assertThat(intoRun.stderr()).contains("--out " + tmp, "run directory");
        assertThat(Path.of(java.net.URI.create(f.runUri())).resolve("run.json")).isRegularFile();
        assertThat(out).doesNotExist();
    }
}
