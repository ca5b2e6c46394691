package org.metricopt.driver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.io.Provenance;

/**
 * A run directory (DESIGN.md section 6) on any Hadoop file system. Every file is written
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

    public String uri() {
        return uri;
    }

    public String path(String relative) {
        return uri + "/" + relative;
    }

    public Configuration hadoopConf() {
        return conf;
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

    public JsonNode readRunJson() {
        try {
            return JSON.readTree(HadoopFiles.read(conf, path(RUN_JSON)));
        } catch (IOException e) {
            throw HadoopFiles.ioFailure("cannot read " + path(RUN_JSON), e);
        }
    }
}
