package org.metricopt.driver.jupyter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.spark.launcher.JavaModuleOptions;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.driver.notebook.MetricOpt;

/**
 * The Jupyter kernelspec of the MetricOpt kernel: a directory {@code kernels/NAME/} holding {@code
 * kernel.json}, whose argv starts {@link MetricOptKernel} in a JVM with the application's
 * classpath, the JVM flags Spark needs on Java 17 and the installing command's memory and system
 * properties, and whose env names the Spark master of notebook sessions.
 *
 * @param argv the kernel's command line; Jupyter replaces {@value #CONNECTION_FILE}
 * @param displayName the name notebooks show in their kernel menu
 * @param env environment variables of the kernel process
 */
public record KernelSpec(List<String> argv, String displayName, Map<String, String> env) {
    public static final String DEFAULT_NAME = "metricopt";
    public static final String DEFAULT_DISPLAY_NAME = "MetricOpt (Java, Spark)";

    /** The environment variable through which deploy/bin/metricopt passes its classpath. */
    public static final String CLASSPATH_ENV = "METRICOPT_CLASSPATH";

    static final String CONNECTION_FILE = "{connection_file}";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");
    private static final ObjectMapper JSON = new ObjectMapper();

    public KernelSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
    }

    /**
     * The kernelspec for a kernel like this JVM: the same java, classpath ({@value #CLASSPATH_ENV}
     * when set, which keeps the launcher's {@code spark-jars/*} wildcard, else {@code
     * java.class.path}) and command-line memory and {@code -D} options, plus Spark's own module
     * flags.
     *
     * @param master Spark master of the notebook sessions, or null for the default ({@code
     *     local[*]})
     */
    public static KernelSpec forThisJvm(String displayName, String master) {
        String classpath = System.getenv(CLASSPATH_ENV);
        if (classpath == null || classpath.isBlank()) {
            classpath = System.getProperty("java.class.path");
        }
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        argv.addAll(jvmOptions(ManagementFactory.getRuntimeMXBean().getInputArguments()));
        argv.add("-cp");
        argv.add(classpath);
        argv.add(MetricOptKernel.class.getName());
        argv.add(CONNECTION_FILE);
        Map<String, String> env = new LinkedHashMap<>();
        if (master != null) {
            if (master.isBlank()) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT,
                        "--master is empty; pass local[*] or spark://HOST:PORT");
            }
            env.put(MetricOpt.MASTER_ENV, master.trim());
        }
        return new KernelSpec(argv, displayName, env);
    }

    /**
     * The options of the kernel JVM: Spark's module flags (what spark-submit gives every driver on
     * Java 17), then the installing JVM's heap, {@code --add-opens} and {@code -D} options, so the
     * kernel reads the same log4j configuration and runs DJL offline like the command line.
     */
    static List<String> jvmOptions(List<String> installing) {
        Set<String> out =
                new LinkedHashSet<>(List.of(JavaModuleOptions.defaultModuleOptionArray()));
        boolean djlOffline = false;
        for (String a : installing) {
            if (a.startsWith("-Xmx")
                    || a.startsWith("-Xms")
                    || a.startsWith("--add-opens")
                    || (a.startsWith("-D") && !a.startsWith("-Djdk.module."))) {
                out.add(a);
                djlOffline |= a.startsWith("-Dai.djl.offline=");
            }
        }
        if (!djlOffline) {
            out.add("-Dai.djl.offline=true");
        }
        return new ArrayList<>(out);
    }

    /** kernel.json. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode args = root.putArray("argv");
        argv.forEach(args::add);
        root.put("display_name", displayName);
        root.put("language", "java");
        // Jupyter's default interrupt is SIGINT, which ends a JVM; a message lets the kernel
        // cancel the cell's Spark jobs instead.
        root.put("interrupt_mode", "message");
        ObjectNode environment = root.putObject("env");
        env.forEach(environment::put);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise kernel.json", e);
        }
    }

    /**
     * The kernels directory of Jupyter's data path: {@code PREFIX/share/jupyter/kernels} for a
     * prefix, else the user's ({@code $JUPYTER_DATA_DIR/kernels}, or {@code
     * ~/.local/share/jupyter/kernels}, {@code ~/Library/Jupyter/kernels} on macOS).
     */
    public static Path kernelsDirectory(String prefix) {
        if (prefix != null) {
            return Path.of(prefix, "share", "jupyter", "kernels");
        }
        String dataDir = System.getenv("JUPYTER_DATA_DIR");
        if (dataDir != null && !dataDir.isBlank()) {
            return Path.of(dataDir, "kernels");
        }
        Path home = Path.of(System.getProperty("user.home"));
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac")) {
            return home.resolve("Library").resolve("Jupyter").resolve("kernels");
        }
        return home.resolve(".local").resolve("share").resolve("jupyter").resolve("kernels");
    }

    /**
     * Writes {@code kernels/NAME/kernel.json}, replacing an existing one of that name.
     *
     * @return the kernelspec directory
     */
    public Path install(Path kernelsDirectory, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--name "
                            + name
                            + ": a kernel name may use only ASCII letters, digits, '.', '_' and"
                            + " '-'");
        }
        Path dir = kernelsDirectory.resolve(name);
        Path file = dir.resolve("kernel.json");
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".kernel", ".json");
            Files.writeString(tmp, toJson(), StandardCharsets.UTF_8);
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new MetricOptException(
                    ErrorClass.IO_FAILURE,
                    "cannot write the kernelspec "
                            + file
                            + ": "
                            + e.getClass().getSimpleName()
                            + ": "
                            + e.getMessage(),
                    e);
        }
        return dir;
    }
}
