package org.metricopt.driver;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.util.ShutdownHookManager;
import org.metricopt.common.config.Redaction;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.driver.meta.Checkpoints;

/**
 * {@code status.json} in the run directory: what a scheduler or a notebook reads to learn how the
 * last command on the run ended, without parsing logs (docs/DESIGN.md section 6). Written
 * atomically when a command starts ({@code running}) and when it ends ({@code succeeded} or {@code
 * failed}, with the exit class and code of the error and its one-line message), always with the
 * last complete checkpoint. A driver stopped before the command ended (SIGTERM from a scheduler or
 * a cluster manager, SIGINT, an external System.exit) leaves {@code interrupted} with exit code
 * 143, written by a shutdown hook that runs before Hadoop closes its file systems. A write that
 * fails is logged and does not change the command's own outcome.
 */
public final class RunStatus {
    public static final String FILE = "status.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunStatus.class);

    /** Exit code of a JVM stopped by SIGTERM (128 + 15), what schedulers see. */
    public static final int INTERRUPTED_EXIT_CODE = 143;

    /**
     * Runs before Hadoop's own hook that closes the file systems (a higher priority runs first).
     */
    private static final int HOOK_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 30;

    private final RunDirectory runDir;
    private final String command;
    private final Instant started;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Runnable hook = this::interrupted;

    private RunStatus(RunDirectory runDir, String command, Instant started) {
        this.runDir = runDir;
        this.command = command;
        this.started = started;
    }

    /** Records that {@code command} started on the run directory now. */
    public static RunStatus start(RunDirectory runDir, String command) {
        RunStatus s = new RunStatus(runDir, command, Instant.now());
        s.write("running", null, null, null);
        ShutdownHookManager.get().addShutdownHook(s.hook, HOOK_PRIORITY);
        return s;
    }

    /** Records a success (exit code 0). */
    public void succeeded() {
        if (end()) {
            write("succeeded", "OK", 0, null);
        }
    }

    /** Records a failure of the given class with its one-line message. */
    public void failed(ErrorClass errorClass, String message) {
        if (end()) {
            write("failed", errorClass.name(), errorClass.exitCode(), message);
        }
    }

    /** The shutdown hook: the JVM is going down before the command recorded its end. */
    private void interrupted() {
        if (ended.compareAndSet(false, true)) {
            write(
                    "interrupted",
                    "INTERRUPTED",
                    INTERRUPTED_EXIT_CODE,
                    "the driver was stopped (SIGTERM, SIGINT or an external exit) before '"
                            + command
                            + "' ended; the last complete checkpoint is intact: rerun 'run', or"
                            + " meta-train --resume, to continue from it");
        }
    }

    /** Marks the end once; false when it was already recorded (by the hook, say). */
    private boolean end() {
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        try {
            ShutdownHookManager.get().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Already shutting down: the hook sees the flag and writes nothing.
        }
        return true;
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
