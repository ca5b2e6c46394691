package org.metricopt.common.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.NetworkConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.Digests;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.rng.Keys;

/**
 * The frozen parameters theta of a base network, held as plain float arrays so they can be cached
 * per JVM and turned into native arrays inside whichever {@link NDManager} a task owns.
 *
 * <p>Saved as two files in a directory: {@code theta.ndlist} (DJL's NDList encoding of the named
 * tensors) and {@code theta.json} (format version, architecture, SHA-256 of the tensors, and
 * provenance). The JSON is written last and is the completion marker.
 */
public final class Theta {
    public static final int FORMAT_VERSION = 1;
    public static final String TENSORS = "theta.ndlist";
    public static final String MANIFEST = "theta.json";

    private final NetworkConfig network;
    private final Map<String, float[]> values;
    private final Map<String, Object> metadata;

    private Theta(
            NetworkConfig network, Map<String, float[]> values, Map<String, Object> metadata) {
        this.network = network;
        this.values = values;
        this.metadata = metadata;
    }

    public NetworkConfig network() {
        return network;
    }

    /** Metadata saved with theta: provenance, pre-training settings, test accuracy. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    public float[] values(String name) {
        return values.get(name);
    }

    /** He-normal initialisation from the keyed generator; biases start at zero. */
    public static Theta initialise(NetworkConfig network, long seed) {
        BaseNetwork net = BaseNetwork.of(network);
        Map<String, float[]> v = new LinkedHashMap<>();
        List<ParamSpec> specs = net.params();
        for (int i = 0; i < specs.size(); i++) {
            ParamSpec s = specs.get(i);
            float[] a = new float[s.size()];
            if (s.fanIn() > 0) {
                SplittableRandom rng = Keys.rng(seed, "theta-init", i);
                double std = Math.sqrt(2.0 / s.fanIn());
                for (int k = 0; k < a.length; k++) {
                    a[k] = (float) (std * Keys.gaussian(rng));
                }
            }
            v.put(s.name(), a);
        }
        return new Theta(network, v, Map.of());
    }

    /** Copies theta into native arrays owned by {@code manager}. */
    public Map<String, NDArray> toNDArrays(NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (ParamSpec s : BaseNetwork.of(network).params()) {
            out.put(s.name(), manager.create(values.get(s.name()), s.shape()));
        }
        return out;
    }

    /**
     * Matrices with fewer columns than this are stored column-major by {@link #toFrozenNDArrays}.
     */
    static final long SKINNY_COLUMNS = 16;

    /**
     * {@link #toNDArrays} for a theta that is only read (finetuning): the same shapes and values,
     * but each matrix [k, n] with n below {@link #SKINNY_COLUMNS} (the ten-class output layers) is
     * the transposed view of a row-major [n, k] copy: the engine's BLAS (MKL) multiplies a [b, k]
     * batch by such a view faster than by the row-major [k, n] matrix (docs/DESIGN.md section 2,
     * "θ, φ"). Not for arrays that take gradients or are read back as a whole.
     */
    public Map<String, NDArray> toFrozenNDArrays(NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (ParamSpec s : BaseNetwork.of(network).params()) {
            float[] v = values.get(s.name());
            Shape shape = s.shape();
            if (shape.dimension() == 2 && shape.get(1) < SKINNY_COLUMNS) {
                int rows = (int) shape.get(0);
                int cols = (int) shape.get(1);
                float[] t = new float[v.length];
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) {
                        t[c * rows + r] = v[r * cols + c];
                    }
                }
                out.put(s.name(), manager.create(t, new Shape(cols, rows)).transpose());
            } else {
                out.put(s.name(), manager.create(v, shape));
            }
        }
        return out;
    }

    public static Theta fromNDArrays(
            NetworkConfig network, Map<String, NDArray> arrays, Map<String, Object> metadata) {
        Map<String, float[]> v = new LinkedHashMap<>();
        for (ParamSpec s : BaseNetwork.of(network).params()) {
            v.put(s.name(), arrays.get(s.name()).toFloatArray());
        }
        return new Theta(network, v, Map.copyOf(metadata));
    }

    /** The directory under {@code root} that holds theta for this architecture. */
    public static String directory(String root, NetworkConfig network) {
        return root.replaceAll("/+$", "") + "/" + network.signature();
    }

    public void save(Configuration conf, String dir) {
        byte[] tensors;
        try (NDManager m = NDManager.newBaseManager()) {
            NDList list = new NDList();
            for (Map.Entry<String, NDArray> e : toNDArrays(m).entrySet()) {
                e.getValue().setName(e.getKey());
                list.add(e.getValue());
            }
            tensors = list.encode();
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format_version", FORMAT_VERSION);
        manifest.put("network", network.signature());
        manifest.put("sha256", Digests.sha256(tensors));
        manifest.put("metadata", metadata);
        HadoopFiles.writeAtomically(conf, dir + "/" + TENSORS, tensors);
        try {
            HadoopFiles.writeAtomically(
                    conf,
                    dir + "/" + MANIFEST,
                    new ObjectMapper()
                            .writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(manifest));
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot write " + dir + "/" + MANIFEST, e);
        }
    }

    public static boolean exists(Configuration conf, String dir) {
        return HadoopFiles.exists(conf, dir + "/" + MANIFEST);
    }

    @SuppressWarnings("unchecked")
    public static Theta load(Configuration conf, String dir, NetworkConfig network) {
        String manifestUri = dir + "/" + MANIFEST;
        Map<String, Object> manifest;
        try {
            manifest = new ObjectMapper().readValue(HadoopFiles.read(conf, manifestUri), Map.class);
        } catch (IOException e) {
            throw corrupt(manifestUri, "not valid JSON");
        }
        Object version = manifest.get("format_version");
        if (!(version instanceof Integer v) || v != FORMAT_VERSION) {
            throw corrupt(
                    manifestUri,
                    "format_version "
                            + version
                            + " is not supported; this build reads "
                            + FORMAT_VERSION);
        }
        if (!network.signature().equals(manifest.get("network"))) {
            throw corrupt(
                    manifestUri,
                    "holds network "
                            + manifest.get("network")
                            + " but "
                            + network.signature()
                            + " is configured; use another pretrain.path or run pretrain");
        }
        String tensorsUri = dir + "/" + TENSORS;
        byte[] tensors = HadoopFiles.read(conf, tensorsUri);
        if (!Digests.sha256(tensors).equals(manifest.get("sha256"))) {
            throw corrupt(
                    tensorsUri, "checksum does not match " + MANIFEST + "; run pretrain again");
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDList list = NDList.decode(m, tensors);
            Map<String, NDArray> byName = new LinkedHashMap<>();
            for (NDArray a : list) {
                byName.put(a.getName(), a);
            }
            for (ParamSpec s : BaseNetwork.of(network).params()) {
                NDArray a = byName.get(s.name());
                if (a == null || !a.getShape().equals(s.shape())) {
                    throw corrupt(
                            tensorsUri,
                            "tensor " + s.name() + " is missing or has the wrong shape");
                }
            }
            Object meta = manifest.get("metadata");
            return fromNDArrays(
                    network,
                    byName,
                    meta instanceof Map<?, ?> mm ? (Map<String, Object>) mm : Map.of());
        } catch (RuntimeException e) {
            if (e instanceof MetricOptException me) {
                throw me;
            }
            throw corrupt(tensorsUri, "cannot be decoded (" + e.getMessage() + ")");
        }
    }

    private static MetricOptException corrupt(String uri, String what) {
        return new MetricOptException(
                ErrorClass.INVALID_CHECKPOINT, "theta file " + uri + " " + what);
    }
}
