package org.metricopt.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.metricopt.common.config.ConfigLoader;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.io.Provenance;

/**
 * A run directory (docs/DESIGN.md section 6) on any Hadoop file system. Every file is written
 * atomically; {@code run.json} holds the resolved configuration and the provenance of the run.
 */
public final class RunDirectory {
    public static final String RUN_JSON = "run.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Configuration conf;
    private final String uri;

    public RunDirectory(Configuration conf, String uri) {
        this.conf = conf;
        this.uri = HadoopFiles.qualify(conf, uri.replaceAll("/+$", ""));
    }

    /** The local time as run directories name it: yyyyMMdd-HHmmss. */
    public static String timestamp() {
        return java.time.LocalDateTime.now()
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    }

    public String uri() {
        return uri;
    }

    public String path(String relative) {
        return uri + "/" + relative;
    }

    public Configuration hadoopConf() {
        return conf;
    }

    /**
     * Creates {@code <run directory>/eventlog} (Spark needs the event-log directory to exist) and
     * returns its qualified URI.
     */
    public static String eventLogDirectory(MetricOptConfig config, String runDirUri) {
        Configuration conf = org.metricopt.driver.SparkSessions.hadoopConfWithoutSpark(config);
        String dir = runDirUri.replaceAll("/+$", "") + "/eventlog";
        try {
            HadoopFiles.fs(conf, dir).mkdirs(new org.apache.hadoop.fs.Path(dir));
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot create " + dir, e);
        }
        return HadoopFiles.qualify(conf, dir);
    }

    /** Writes run.json: command, resolved configuration and provenance. */
    public void writeRunJson(
            String command, MetricOptConfig config, Map<String, Object> extraProvenance) {
        try {
            ObjectNode root = JSON.createObjectNode();
            root.put("command", command);
            root.put("seed", config.seed());
            JsonNode resolved = JSON.readTree(config.resolvedJson());
            root.set("config", resolved);
            ObjectNode prov = JSON.valueToTree(Provenance.collect());
            prov.setAll((ObjectNode) JSON.valueToTree(extraProvenance));
            root.set("provenance", prov);
            HadoopFiles.writeAtomically(
                    conf,
                    path(RUN_JSON),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot write " + path(RUN_JSON), e);
        }
    }

    /**
     * Checks, before Spark starts, that a command that writes a run may use this directory. A
     * directory whose run.json records another configuration fingerprint is refused (exit 5): its
     * checkpoints, metrics and reports would be mixed with another run's. With {@code forceNew} an
     * existing, non-empty directory is moved aside whole to {@code <dir>.replaced-<time>} (nothing
     * is deleted) and the run starts fresh.
     */
    public static void claim(
            Configuration conf,
            String uri,
            String fingerprint,
            boolean resume,
            boolean forceNew,
            java.io.PrintStream out) {
        if (forceNew && resume) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "--force-new and --resume contradict each other: --resume continues the run in "
                            + uri
                            + ", --force-new moves it aside and starts over; give one");
        }
        RunDirectory dir = new RunDirectory(conf, uri);
        try {
            FileSystem fs = HadoopFiles.fs(conf, dir.uri());
            Path path = new Path(dir.uri());
            if (!fs.exists(path)
                    || (fs.getFileStatus(path).isDirectory() && fs.listStatus(path).length == 0)) {
                return;
            }
            if (forceNew) {
                String stamp = timestamp();
                Path aside = new Path(dir.uri() + ".replaced-" + stamp);
                for (int n = 2; fs.exists(aside); n++) {
                    aside = new Path(dir.uri() + ".replaced-" + stamp + "-" + n);
                }
                if (!fs.rename(path, aside)) {
                    throw new MetricOptException(
                            ErrorClass.IO_FAILURE,
                            "--force-new: cannot move " + dir.uri() + " aside to " + aside);
                }
                out.println("--force-new: moved the existing run directory aside to " + aside);
                return;
            }
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot inspect run directory " + dir.uri(), e);
        }
        if (!HadoopFiles.exists(conf, dir.path(RUN_JSON))) {
            return;
        }
        JsonNode recorded;
        try {
            recorded = dir.readRunJson().path("provenance").path("config_fingerprint");
        } catch (MetricOptException | IllegalArgumentException e) {
            throw new MetricOptException(
                    ErrorClass.RUN_DIR_CONFLICT,
                    dir.path(RUN_JSON)
                            + " cannot be read as a run record ("
                            + e.getMessage()
                            + "); choose another --run-dir, or pass --force-new to move this"
                            + " directory aside and start a new run");
        }
        if (recorded.isTextual() && !recorded.asText().equals(fingerprint)) {
            throw new MetricOptException(
                    ErrorClass.RUN_DIR_CONFLICT,
                    "run directory "
                            + dir.uri()
                            + " belongs to another configuration (config_fingerprint "
                            + recorded.asText()
                            + " in its run.json, this one is "
                            + fingerprint
                            + "); rerun with the configuration in its run.json, choose another"
                            + " --run-dir, or pass --force-new to move it aside and start over");
        }
    }

    /**
     * The resolved configuration the run was made with, from its run.json, so tools that open an
     * existing run (notebooks) use the run's own settings rather than today's defaults. {@code
     * pretrain.path} is pointed at the theta the run recorded in its provenance ({@code theta_dir},
     * fully qualified when the run was made), so a relative path such as {@code runs/theta} still
     * finds it from another working directory.
     */
    public MetricOptConfig readConfig() {
        JsonNode runJson = readRunJson();
        JsonNode config = runJson.get("config");
        if (config == null || !config.isObject()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    path(RUN_JSON)
                            + " has no \"config\" object; is this a MetricOpt run directory?");
        }
        Config resolved = ConfigFactory.parseString(config.toString());
        MetricOptConfig parsed = ConfigLoader.fromConfig(resolved);
        String thetaDir = runJson.path("provenance").path("theta_dir").asText("");
        String suffix = "/" + parsed.network().signature();
        if (thetaDir.endsWith(suffix)) {
            String root = thetaDir.substring(0, thetaDir.length() - suffix.length());
            parsed =
                    ConfigLoader.fromConfig(
                            resolved.withValue(
                                    "pretrain.path", ConfigValueFactory.fromAnyRef(root)));
        }
        return parsed;
    }

    public JsonNode readRunJson() {
        try {
            return JSON.readTree(HadoopFiles.read(conf, path(RUN_JSON)));
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot read " + path(RUN_JSON), e);
        }
    }
}
