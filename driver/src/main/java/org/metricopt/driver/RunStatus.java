package org.metricopt.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import org.metricopt.common.config.Redaction;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.driver.meta.Checkpoints;

/**
 * {@code status.json} in the run directory: what a scheduler or a notebook reads to learn how the
 * last command on the run ended, without parsing logs (docs/DESIGN.md section 6). Written
 * atomically when a command starts ({@code running}) and when it ends ({@code succeeded} or {@code
 * failed}, with the exit class and code of the error and its one-line message), always with the
 * last complete checkpoint. A write that fails is logged and does not change the command's own
 * outcome.
 */
public final class RunStatus {
    public static final String FILE = "status.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunStatus.class);

    private final RunDirectory runDir;
    private final String command;
    private final Instant started;

    private RunStatus(RunDirectory runDir, String command, Instant started) {
        this.runDir = runDir;
        this.command = command;
        this.started = started;
    }

    /** Records that {@code command} started on the run directory now. */
    public static RunStatus start(RunDirectory runDir, String command) {
        RunStatus s = new RunStatus(runDir, command, Instant.now());
        s.write("running", null, null, null);
        return s;
    }

    /** Records a success (exit code 0). */
    public void succeeded() {
        write("succeeded", "OK", 0, null);
    }

    /** Records a failure of the given class with its one-line message. */
    public void failed(ErrorClass errorClass, String message) {
        write("failed", errorClass.name(), errorClass.exitCode(), message);
    }

    private void write(String state, String exitClass, Integer exitCode, String message) {
        ObjectNode root = JSON.createObjectNode();
        root.put("state", state);
        root.put("command", command);
        if (exitClass != null) {
            root.put("exit_class", exitClass);
        } else {
            root.putNull("exit_class");
        }
        if (exitCode != null) {
            root.put("exit_code", exitCode);
        } else {
            root.putNull("exit_code");
        }
        if (message != null) {
            root.put("message", Redaction.maskUriPasswords(message));
        } else {
            root.putNull("message");
        }
        root.put("started", started.toString());
        root.put("updated", Instant.now().toString());
        try {
            root.put(
                    "last_complete_checkpoint",
                    Checkpoints.latestCompleteDirectory(runDir.hadoopConf(), runDir.uri())
                            .orElse(null));
            HadoopFiles.writeAtomically(
                    runDir.hadoopConf(),
                    runDir.path(FILE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
        } catch (IOException | RuntimeException e) {
            // Logged, not printed: the command's own error stays the one line on stderr.
            LOG.warn("cannot write {}: {}", runDir.path(FILE), e.toString());
        }
    }
}
