package org.metricopt.driver.export;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.config.NetworkConfig;
import org.metricopt.common.config.Redaction;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.Digests;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.io.Provenance;
import org.metricopt.common.learned.LearnedOptimizer;
import org.metricopt.common.nets.BaseNetwork;
import org.metricopt.common.nets.EngineSetup;
import org.metricopt.common.nets.ParamSpec;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.outer.ConfigFingerprint;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.valuefn.TaskFeatures;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.common.valuefn.ValueLearner;
import org.metricopt.driver.RunDirectory;
import org.metricopt.driver.ThetaStore;
import org.metricopt.driver.export.SafeTensors.Tensor;
import org.metricopt.driver.meta.Checkpoints;

/**
 * {@code metricopt export} (docs/DESIGN.md section 6, "Exports"): a run's frozen base network θ,
 * its meta-learned value function with the input scaler, and its learned optimizer (when the run
 * has one), each as named float32 tensors in a safetensors file beside a JSON description of the
 * layers, of the forward pass and of the provenance, so that other tools (DJL, numpy, PyTorch) can
 * load them without MetricOpt. The run is only read. The export is written to a hidden sibling of
 * {@code --out} first and renamed into place when complete, so no half-written export is left.
 */
public final class ModelExport {
    public static final String FORMAT = "metricopt-export";
    public static final int FORMAT_VERSION = 1;
    public static final String THETA = "theta";
    public static final String VALUE_FUNCTION = "value_function";
    public static final String LEARNED_OPTIMIZER = "learned_optimizer";
    public static final String TENSORS = ".safetensors";
    public static final String DESCRIPTION = ".json";

    /** The weight layout every linear layer of the export uses. */
    static final String LINEAR_LAYOUT =
            "y = x @ weight + bias with weight of shape [in, out] (the transpose of"
                    + " torch.nn.Linear.weight)";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelExport() {}

    /** What an export wrote: its directory, the checkpoint it came from and its files. */
    public record Result(String out, String checkpoint, long iteration, List<String> files) {}

    /** One exported model: its tensors, the safetensors metadata and the JSON description. */
    record Model(
            String name,
            Map<String, Tensor> tensors,
            Map<String, String> metadata,
            Map<String, Object> description) {}

    /**
     * Exports the latest complete checkpoint of {@code runDirUri} to {@code outUri}. Every check of
     * the input happens before anything is written.
     *
     * @param conf Hadoop client settings for both URIs
     * @param force replace a non-empty {@code outUri}
     * @param commandLine the command as the user would retype it, for the provenance
     */
    public static Result export(
            Configuration conf,
            String runDirUri,
            String outUri,
            boolean force,
            String commandLine,
            PrintStream out) {
        String shownRun = Redaction.maskUriPasswords(runDirUri);
        if (!HadoopFiles.exists(conf, runDirUri)) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--run-dir "
                            + shownRun
                            + " does not exist; give the run directory of a meta-trained run");
        }
        RunDirectory run = new RunDirectory(conf, runDirUri);
        Optional<String> checkpoint = Checkpoints.latestCompleteDirectory(conf, run.uri());
        if (checkpoint.isEmpty()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--run-dir "
                            + shownRun
                            + " has no complete checkpoint (checkpoints/iter-NNNNNN/"
                            + Checkpoints.COMPLETE
                            + "); export needs a meta-trained run: run meta-train on it first");
        }
        if (!HadoopFiles.exists(conf, run.path(RunDirectory.RUN_JSON))) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--run-dir "
                            + shownRun
                            + " has no "
                            + RunDirectory.RUN_JSON
                            + ", which holds the configuration of the run's models; give the"
                            + " directory a MetricOpt command created");
        }
        MetricOptConfig config = run.readConfig();
        CheckpointModels models =
                CheckpointModels.of(
                        Checkpoints.read(conf, checkpoint.get()),
                        Redaction.maskUriPasswords(checkpoint.get()));
        String fingerprint = ConfigFingerprint.of(config);
        if (!fingerprint.equals(models.configFingerprint())) {
            throw new MetricOptException(
                    ErrorClass.RUN_DIR_CONFLICT,
                    "--run-dir "
                            + shownRun
                            + ": its checkpoint "
                            + Redaction.maskUriPasswords(checkpoint.get())
                            + " was made with configuration fingerprint "
                            + models.configFingerprint()
                            + ", but its "
                            + RunDirectory.RUN_JSON
                            + " records configuration "
                            + fingerprint
                            + "; the layers cannot be described; export a consistent run directory");
        }
        checkShapes(config, models, shownRun);
        Target target = target(conf, outUri, run.uri(), force);

        EngineSetup.configure(config.spark().djlThreads());
        String thetaDir = ThetaStore.directory(conf, config);
        if (!Theta.exists(conf, thetaDir)) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--run-dir "
                            + shownRun
                            + ": the run's theta is not at "
                            + Redaction.maskUriPasswords(thetaDir)
                            + " (theta_dir in its "
                            + RunDirectory.RUN_JSON
                            + "); restore it there, or rerun pretrain with the run's configuration");
        }
        Theta theta = Theta.load(conf, thetaDir, config.network());

        Map<String, Object> provenance =
                provenance(
                        models,
                        run,
                        checkpoint.get(),
                        thetaDir,
                        commandLine,
                        run.readRunJson().path("provenance"));
        List<Model> exported = new ArrayList<>();
        exported.add(theta(theta, provenance));
        exported.add(valueFunction(config, models, provenance));
        if (models.hasLearnedOptimizer()) {
            exported.add(learnedOptimizer(config, models, provenance));
        }
        List<String> files = write(conf, target, exported);
        out.printf(
                Locale.ROOT,
                "exported %s (checkpoint of iteration %d, config fingerprint %s) to %s: %s%n",
                shownRun,
                models.iteration(),
                models.configFingerprint(),
                Redaction.maskUriPasswords(target.out()),
                String.join(", ", files));
        return new Result(target.out(), checkpoint.get(), models.iteration(), files);
    }

    // ---------------------------------------------------------------------------------------
    // Checks

    /** The value function and the learned optimizer must fit the run's configuration. */
    private static void checkShapes(
            MetricOptConfig config, CheckpointModels models, String shownRun) {
        ValueLearner learner = ValueLearner.of(config);
        int n = learner.inputs();
        int h = config.valueFunction().hidden();
        if (models.valueWeights().length != ValueFunction.size(n, h)
                || models.scalerMean().length != n
                || models.scalerStd().length != n) {
            throw new MetricOptException(
                    ErrorClass.RUN_DIR_CONFLICT,
                    String.format(
                            Locale.ROOT,
                            "--run-dir %s: the value function of its checkpoint has %d weights"
                                    + " and a scaler over %d inputs, but its configuration (%d"
                                    + " inputs, value-function.hidden = %d) needs %d weights",
                            shownRun,
                            models.valueWeights().length,
                            models.scalerMean().length,
                            n,
                            h,
                            ValueFunction.size(n, h)));
        }
        if (models.hasLearnedOptimizer()
                && models.learnedWeights().length
                        != LearnedOptimizer.size(config.learnedOptimizer().hidden())) {
            throw new MetricOptException(
                    ErrorClass.RUN_DIR_CONFLICT,
                    String.format(
                            Locale.ROOT,
                            "--run-dir %s: the learned optimizer of its checkpoint has %d weights,"
                                    + " but learned-optimizer.hidden = %d needs %d",
                            shownRun,
                            models.learnedWeights().length,
                            config.learnedOptimizer().hidden(),
                            LearnedOptimizer.size(config.learnedOptimizer().hidden())));
        }
    }

    /** Where the export goes: the qualified {@code --out} and whether something is there. */
    private record Target(String out, boolean exists) {}

    private static Target target(Configuration conf, String outUri, String runUri, boolean force) {
        String shownOut = Redaction.maskUriPasswords(outUri);
        String out = HadoopFiles.qualify(conf, outUri.replaceAll("/+$", ""));
        Path path = new Path(out);
        if (path.getParent() == null) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--out " + shownOut + " is a file system root; give a directory below it");
        }
        if ((runUri + "/").startsWith(out + "/")) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--out "
                            + shownOut
                            + " is the run directory or a directory above it, whose contents"
                            + " an export replaces; give another directory (one inside the run"
                            + " directory will do)");
        }
        FileSystem fs = HadoopFiles.fs(conf, out);
        try {
            if (!fs.exists(path)) {
                return new Target(out, false);
            }
            FileStatus status = fs.getFileStatus(path);
            if (!status.isDirectory()) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT,
                        "--out " + shownOut + " is a file; give a new or empty directory");
            }
            int entries = fs.listStatus(path).length;
            if (entries > 0 && !force) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT,
                        "--out "
                                + shownOut
                                + " already holds "
                                + entries
                                + (entries == 1 ? " entry" : " entries")
                                + "; give a new or empty directory, or pass --force to replace"
                                + " its contents");
            }
            return new Target(out, true);
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot inspect --out " + shownOut, e);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Writing

    /**
     * Writes every model into a hidden sibling of the target, then renames it into place (an
     * existing target is moved aside first and deleted afterwards). Returns the file names.
     */
    private static List<String> write(Configuration conf, Target target, List<Model> models) {
        Path out = new Path(target.out());
        long stamp = System.nanoTime();
        Path staging = new Path(out.getParent(), "." + out.getName() + ".export-" + stamp);
        Path aside = new Path(out.getParent(), "." + out.getName() + ".replaced-" + stamp);
        FileSystem fs = HadoopFiles.fs(conf, target.out());
        if (fs instanceof ChecksumFileSystem checksummed) {
            // No .crc side files in an export meant for other tools (the local file system).
            fs = checksummed.getRawFileSystem();
        }
        List<String> files = new ArrayList<>();
        try {
            if (!fs.mkdirs(staging)) {
                throw new IOException("cannot create " + staging);
            }
            for (Model m : models) {
                byte[] tensors = SafeTensors.encode(m.tensors(), m.metadata());
                Map<String, Object> description = new LinkedHashMap<>();
                description.put("format", FORMAT);
                description.put("format_version", FORMAT_VERSION);
                description.put("model", m.name());
                description.put("tensors_file", m.name() + TENSORS);
                description.put("tensors_sha256", Digests.sha256(tensors));
                description.putAll(m.description());
                create(fs, new Path(staging, m.name() + TENSORS), tensors);
                create(
                        fs,
                        new Path(staging, m.name() + DESCRIPTION),
                        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(description));
                files.add(m.name() + TENSORS);
                files.add(m.name() + DESCRIPTION);
            }
            if (target.exists() && !fs.rename(out, aside)) {
                throw new IOException("cannot move the existing " + out + " aside to " + aside);
            }
            if (!fs.rename(staging, out)) {
                throw new IOException("cannot rename " + staging + " to " + out);
            }
            if (target.exists()) {
                fs.delete(aside, true);
            }
            return files;
        } catch (IOException e) {
            try {
                fs.delete(staging, true);
            } catch (IOException ignored) {
                // The staging directory is hidden; the original error matters.
            }
            throw HadoopFiles.ioFailure(
                    "cannot write the export to " + Redaction.maskUriPasswords(target.out()), e);
        } catch (RuntimeException e) {
            try {
                fs.delete(staging, true);
            } catch (IOException ignored) {
                // As above.
            }
            throw e;
        }
    }

    /** A new file in the staging directory, which is made visible only as a whole. */
    private static void create(FileSystem fs, Path file, byte[] bytes) throws IOException {
        try (OutputStream out = fs.create(file, false)) {
            out.write(bytes);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Provenance

    private static Map<String, Object> provenance(
            CheckpointModels models,
            RunDirectory run,
            String checkpoint,
            String thetaDir,
            String commandLine,
            JsonNode runProvenance) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("config_fingerprint", models.configFingerprint());
        p.put("checkpoint_iteration", models.iteration());
        p.put("checkpoint", Redaction.maskUriPasswords(checkpoint));
        p.put("run_dir", Redaction.maskUriPasswords(run.uri()));
        p.put("theta_dir", Redaction.maskUriPasswords(thetaDir));
        p.put("command_line", commandLine);
        Map<String, Object> collected = Provenance.collect();
        // The engine is loaded by now (EngineSetup), so ask it rather than its jar.
        collected.put("pytorch_version", Engine.getEngine("PyTorch").getVersion());
        p.putAll(collected);
        // What made the run (its commit and versions), which may differ from the exporter's.
        p.put("run", runProvenance);
        return p;
    }

    /** The safetensors metadata every model carries: the key facts, as strings. */
    private static Map<String, String> metadata(String model, Map<String, Object> provenance) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("format_version", Integer.toString(FORMAT_VERSION));
        m.put("model", model);
        m.put("description", model + DESCRIPTION);
        for (String key :
                List.of(
                        "config_fingerprint",
                        "checkpoint_iteration",
                        "git_commit",
                        "metricopt_version",
                        "djl_version",
                        "pytorch_version",
                        "hadoop_version",
                        "java_version",
                        "created")) {
            m.put(key, String.valueOf(provenance.get(key)));
        }
        return m;
    }

    // ---------------------------------------------------------------------------------------
    // The models

    /** Named slices of a flat weight vector, in order. */
    private static Map<String, Tensor> unflatten(
            float[] flat, List<Map.Entry<String, long[]>> layout) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        int pos = 0;
        for (Map.Entry<String, long[]> e : layout) {
            long size = 1;
            for (long s : e.getValue()) {
                size *= s;
            }
            float[] part = new float[Math.toIntExact(size)];
            System.arraycopy(flat, pos, part, 0, part.length);
            out.put(e.getKey(), new Tensor(e.getValue(), part));
            pos += part.length;
        }
        if (pos != flat.length) {
            throw new IllegalStateException(
                    "layout covers " + pos + " of " + flat.length + " weights");
        }
        return out;
    }

    private static Map<String, Object> linear(String name, long in, long out, String activation) {
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("name", name);
        l.put("type", "linear");
        l.put("weight", name + ".weight");
        l.put("weight_shape", List.of(in, out));
        l.put("bias", name + ".bias");
        l.put("bias_shape", List.of(out));
        l.put("activation", activation);
        return l;
    }

    /**
     * The value function f (docs/DESIGN.md section 3): g is an MLP n -> h -> h -> 1 with tanh
     * hidden layers over x = [phi, c] standardised by the input scaler, and f = M_0 + g in residual
     * mode. The tensors are ValueFunction's flat weights cut at its layer boundaries.
     */
    static Model valueFunction(
            MetricOptConfig config, CheckpointModels models, Map<String, Object> provenance) {
        ValueLearner learner = ValueLearner.of(config);
        int n = learner.inputs();
        int d = BaseNetwork.of(config.network()).adapterDim();
        int context = learner.contextSize();
        int h = config.valueFunction().hidden();
        boolean residual = config.valueFunction().residual();
        List<String> families = ValueLearner.families(config);

        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("scaler.mean", Tensor.of(models.scalerMean(), n));
        tensors.put("scaler.std", Tensor.of(models.scalerStd(), n));
        tensors.putAll(
                unflatten(
                        models.valueWeights(),
                        List.of(
                                Map.entry("layer0.weight", new long[] {n, h}),
                                Map.entry("layer0.bias", new long[] {h}),
                                Map.entry("layer1.weight", new long[] {h, h}),
                                Map.entry("layer1.bias", new long[] {h}),
                                Map.entry("layer2.weight", new long[] {h, 1}),
                                Map.entry("layer2.bias", new long[] {1}))));

        // x = [phi, c]; c = [one-hot family, M_0, task features] (ValueContext).
        List<String> names = new ArrayList<>();
        for (int i = 0; i < d; i++) {
            names.add("phi[" + i + "]");
        }
        Integer m0Index = null;
        if (context > 0) {
            for (String f : families) {
                names.add("family=" + f);
            }
            m0Index = names.size();
            names.add("M_0");
            names.addAll(taskFeatureNames());
        }
        if (names.size() != n) {
            throw new IllegalStateException(
                    "described " + names.size() + " value-function inputs, the run has " + n);
        }
        Map<String, Object> inputs = new LinkedHashMap<>();
        inputs.put("size", n);
        inputs.put("phi_size", d);
        inputs.put("context_size", context);
        inputs.put(
                "phi",
                "the adapter parameters phi of the base network (theta.json), indices [0, "
                        + d
                        + ")");
        inputs.put(
                "context",
                context == 0
                        ? "none (value-function.context = false)"
                        : "indices ["
                                + d
                                + ", "
                                + n
                                + "): a one-hot of the task's family among "
                                + families
                                + "; M_0, the task metric observed at phi_0 before any step; then"
                                + " the task features computed at phi_0 from the training split"
                                + " only: the mean surrogate loss, the mean and standard deviation"
                                + " of the standardised training pixels, the frequency of each of"
                                + " the base network's "
                                + BaseNetwork.CLASSES
                                + " classes among the training labels (one-vs-rest: 1 at the"
                                + " positive class) and the fraction of positive labels"
                                + " (one-vs-rest; 0 otherwise)");
        inputs.put("families", families);
        inputs.put("names", names);

        Map<String, Object> scaler = new LinkedHashMap<>();
        scaler.put("name", "scaler");
        scaler.put("type", "standardise");
        scaler.put("mean", "scaler.mean");
        scaler.put("std", "scaler.std");
        scaler.put("shape", List.of(n));
        List<Map<String, Object>> layers =
                List.of(
                        scaler,
                        linear("layer0", n, h, "tanh"),
                        linear("layer1", h, h, "tanh"),
                        linear("layer2", h, 1, "identity"));

        Map<String, Object> output = new LinkedHashMap<>();
        output.put("residual", residual);
        output.put("residual_offset_index", residual ? m0Index : null);
        output.put(
                "what",
                "f predicts the task metric (lower is better) of the base network with adapter"
                        + " phi on the task described by c; its gradient in phi is MetricOpt's"
                        + " direction");
        output.put(
                "offset",
                residual
                        ? "f = M_0 + g (value-function.target = residual): M_0 is the metric"
                                + " observed at phi_0"
                                + (m0Index == null
                                        ? ", which x does not contain here; supply it"
                                        : ", also input " + m0Index + " of x")
                        : "f = g (value-function.target = absolute)");

        Map<String, Object> description = new LinkedHashMap<>();
        description.put("layers", layers);
        description.put("weight_layout", LINEAR_LAYOUT);
        description.put(
                "forward",
                "z = (x - scaler.mean) / scaler.std; a1 = tanh(z @ layer0.weight + layer0.bias);"
                        + " a2 = tanh(a1 @ layer1.weight + layer1.bias);"
                        + " g = (a2 @ layer2.weight + layer2.bias)[0]; "
                        + (residual ? "f = M_0 + g" : "f = g"));
        description.put("inputs", inputs);
        description.put("output", output);
        description.put("hidden", h);
        description.put("provenance", provenance);

        Map<String, String> metadata = metadata(VALUE_FUNCTION, provenance);
        metadata.put("forward", (String) description.get("forward"));
        metadata.put("inputs", Integer.toString(n));
        metadata.put("phi_size", Integer.toString(d));
        metadata.put("context_size", Integer.toString(context));
        metadata.put("residual", Boolean.toString(residual));
        if (residual && m0Index != null) {
            metadata.put("residual_offset_index", Integer.toString(m0Index));
        }
        return new Model(VALUE_FUNCTION, tensors, metadata, description);
    }

    /** The names of the task features in the order TaskFeatures computes them. */
    static List<String> taskFeatureNames() {
        List<String> names = new ArrayList<>();
        names.add("train_loss_at_phi_0");
        names.add("train_pixel_mean");
        names.add("train_pixel_std");
        for (int k = 0; k < BaseNetwork.CLASSES; k++) {
            names.add("label_frequency[" + k + "]");
        }
        names.add("positive_fraction");
        if (names.size() != TaskFeatures.SIZE) {
            throw new IllegalStateException(
                    "TaskFeatures has "
                            + TaskFeatures.SIZE
                            + " features; the export names "
                            + names.size());
        }
        return names;
    }

    /**
     * The learned optimizer m_wopt (docs/DESIGN.md section 4, supp. Eq. 1): a per-coordinate MLP 7
     * -> hidden (tanh) -> 2 whose outputs set the direction and the log step size.
     */
    static Model learnedOptimizer(
            MetricOptConfig config, CheckpointModels models, Map<String, Object> provenance) {
        int h = config.learnedOptimizer().hidden();
        int features = LearnedOptimizer.FEATURES;
        Map<String, Tensor> tensors =
                unflatten(
                        models.learnedWeights(),
                        List.of(
                                Map.entry("layer0.weight", new long[] {features, h}),
                                Map.entry("layer0.bias", new long[] {h}),
                                Map.entry("layer1.weight", new long[] {h, 2}),
                                Map.entry("layer1.bias", new long[] {2})));
        List<String> inputs =
                List.of(
                        "x0 = g_i / rms_i: the gradient of the training loss, normalised",
                        "x1 = gbar_i / (1 - beta1^(t+1)) / rms_i: its running average,"
                                + " normalised",
                        "x2 = phi_i",
                        "x3 = loss_t / loss_0 (1 without a loss)",
                        "x4 = M_t / M_0 (1 before the first metric)",
                        "x5 = (loss_t - lbar_t) / lbar_t (0 without a loss)",
                        "x6 = (M_t - Mbar_t) / Mbar_t (0 before the first metric)");
        Map<String, Object> state = new LinkedHashMap<>();
        state.put(
                "per_coordinate",
                "gbar_i = beta1 gbar_i + (1 - beta1) g_i; v_i = beta2 v_i + (1 - beta2) g_i^2"
                        + " (both start at 0 and are updated before use); rms_i = sqrt(v_i / (1 -"
                        + " beta2^(t+1))) + eps; t counts steps from 0");
        state.put(
                "shared",
                "loss_0 = max(first loss, 1e-6) and lbar (starting at the first loss) are the"
                        + " loss's; M_0 = max(first metric, 1e-6) and Mbar (starting at the first"
                        + " metric) the metric's; the moving averages lbar and Mbar are updated"
                        + " with weight 0.1 after each step's use; divisions by lbar and Mbar use"
                        + " max(., 1e-6); M_t is the last observed (meta-test) or predicted"
                        + " (meta-training) metric");
        Map<String, Object> description = new LinkedHashMap<>();
        description.put(
                "layers",
                List.of(linear("layer0", features, h, "tanh"), linear("layer1", h, 2, "identity")));
        description.put("weight_layout", LINEAR_LAYOUT);
        description.put("inputs", inputs);
        description.put("outputs", List.of("o1: added to the direction", "o2: log step size"));
        description.put(
                "forward",
                "for every coordinate i of phi at step t: x = [x0..x6];"
                        + " a = tanh(x @ layer0.weight + layer0.bias);"
                        + " [o1, o2] = a @ layer1.weight + layer1.bias;"
                        + " phi_i <- phi_i + alpha_0 * exp(clamp(o2, -max_log_step,"
                        + " max_log_step)) * (-x1 + o1)");
        description.put("state", state);
        Map<String, Object> constants = new LinkedHashMap<>();
        constants.put("beta1", LearnedOptimizer.B1);
        constants.put("beta2", LearnedOptimizer.B2);
        constants.put("eps", LearnedOptimizer.EPS);
        constants.put("max_log_step", LearnedOptimizer.MAX_LOG_STEP);
        constants.put("base_step", config.learnedOptimizer().baseStep());
        description.put("constants", constants);
        description.put(
                "alpha_0",
                "learned-optimizer.base-step (constants.base_step) during meta-training; at"
                        + " meta-test the learning rate chosen for metricopt-learned on"
                        + " validation tasks (eval.lr-grid times the base learning rate)");
        description.put("hidden", h);
        description.put("provenance", provenance);

        Map<String, String> metadata = metadata(LEARNED_OPTIMIZER, provenance);
        metadata.put("forward", (String) description.get("forward"));
        metadata.put("hidden", Integer.toString(h));
        metadata.put("base_step", Double.toString(config.learnedOptimizer().baseStep()));
        return new Model(LEARNED_OPTIMIZER, tensors, metadata, description);
    }

    /** θ, the frozen base network (supp. Fig. 1), under the names it is stored with. */
    static Model theta(Theta theta, Map<String, Object> provenance) {
        NetworkConfig network = theta.network();
        BaseNetwork net = BaseNetwork.of(network);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<Map<String, Object>> layers = new ArrayList<>();
        for (ParamSpec s : net.params()) {
            tensors.put(s.name(), new Tensor(s.shape().getShape(), theta.values(s.name())));
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("name", s.name());
            l.put("shape", s.shape().getShape());
            layers.add(l);
        }
        boolean mlp = NetworkConfig.MLP.equals(network.kind());
        int d = net.adapterDim();
        String forward;
        String adapter;
        if (mlp) {
            forward =
                    "a1 = relu(x @ w1x + phi @ w1phi + b1); a2 = relu(a1 @ w2 + b2);"
                            + " logits = a2 @ w3 + b3";
            adapter =
                    "phi: "
                            + d
                            + " dynamic input biases, concatenated to every input ([x, phi] @ [w1x;"
                            + " w1phi]); phi = 0 is the pre-trained network";
        } else {
            int c1 = network.cnnChannels()[0];
            int c2 = network.cnnChannels()[1];
            forward =
                    "x as [B, 1, 28, 28]; h1 = maxpool2x2(relu((1 + gamma1) * conv3x3(x, conv1w,"
                            + " conv1b, stride 1, padding 1) + beta1));"
                            + " h2 = maxpool2x2(relu((1 + gamma2) * conv3x3(h1, conv2w, conv2b,"
                            + " stride 1, padding 1) + beta2)); logits = flatten(h2) @ fcw + fcb,"
                            + " flattened in (channel, row, column) order; FiLM scales and shifts"
                            + " broadcast over each channel";
            adapter =
                    "phi = [gamma1 ("
                            + c1
                            + "), beta1 ("
                            + c1
                            + "), gamma2 ("
                            + c2
                            + "), beta2 ("
                            + c2
                            + ")]: FiLM scales and shifts per channel; phi = 0 is the pre-trained"
                            + " network";
        }
        Map<String, Object> description = new LinkedHashMap<>();
        description.put("network", network.signature());
        description.put("kind", network.kind());
        description.put("layers", layers);
        description.put(
                "weight_layout",
                mlp
                        ? LINEAR_LAYOUT
                        : "convolutions: weight [out channels, in channels, 3, 3] as in PyTorch;"
                                + " fcw: "
                                + LINEAR_LAYOUT);
        description.put(
                "input",
                String.format(
                        Locale.ROOT,
                        "x: %d pixels of a 28 x 28 Fashion-MNIST image, row-major, each scaled to"
                                + " [0, 1] (p / 255) then standardised: (p / 255 - %.4f) / %.4f",
                        BaseNetwork.INPUTS,
                        TaskData.PIXEL_MEAN,
                        TaskData.PIXEL_STD));
        description.put("adapter", adapter);
        description.put("adapter_size", d);
        description.put("forward", forward);
        description.put(
                "output",
                BaseNetwork.CLASSES
                        + " logits over the Fashion-MNIST classes; a task reads out its own: the"
                        + " logits of its classes (softmax), or for one-vs-rest class c the"
                        + " log-odds logit_c - logsumexp(other logits)");
        description.put("pretraining", theta.metadata());
        description.put("provenance", provenance);

        Map<String, String> metadata = metadata(THETA, provenance);
        metadata.put("network", network.signature());
        metadata.put("forward", forward);
        metadata.put("adapter_size", Integer.toString(d));
        return new Model(THETA, tensors, metadata, description);
    }
}
