package org.metricopt.driver.notebook;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.driver.SparkSessions;

/**
 * The notebook entry point, what {@code spark-shell}'s predefined {@code spark} is to a terminal:
 * {@code MetricOpt.session()} attaches to (or starts) the kernel's Spark session and {@code
 * MetricOpt.open(runDir)} opens a run directory in it.
 *
 * <pre>{@code
 * var run = MetricOpt.open("runs/quickstart");
 * run.learningCurves();            // displayed as a PNG in the notebook
 * run.metaTestTable();
 * run.runHeldOutTask("mcr-noisy", 0);
 * }</pre>
 *
 * The master comes from {@value #MASTER_ENV} (which {@code metricopt jupyter install --master}
 * writes into the kernelspec), else {@code local[*]}.
 */
public final class MetricOpt {
    /** Environment variable naming the Spark master of notebook sessions. */
    public static final String MASTER_ENV = "METRICOPT_SPARK_MASTER";

    static final String APP_NAME = "metricopt-notebook";

    private MetricOpt() {}

    /**
     * The kernel's Spark session: the one already running in this JVM, else a new one on the master
     * of {@value #MASTER_ENV} (default {@code local[*]}).
     */
    public static SparkSession session() {
        SparkSession running = running();
        if (running != null) {
            return running;
        }
        String master = System.getenv(MASTER_ENV);
        return session(master == null || master.isBlank() ? "local[*]" : master.trim());
    }

    /**
     * The kernel's Spark session on {@code master} ({@code local[N]}, {@code spark://HOST:PORT},
     * ...), started if none runs; a session on another master is an error, since one JVM holds one
     * SparkContext (restart the kernel to switch).
     */
    public static SparkSession session(String master) {
        if (master == null || master.isBlank()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "Spark master is empty; pass local[*] or spark://HOST:PORT");
        }
        SparkSession running = running();
        if (running != null) {
            String current = running.sparkContext().master();
            if (!current.equals(master)) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT,
                        "this kernel's Spark session already runs on "
                                + current
                                + ", not "
                                + master
                                + "; restart the kernel to use another master");
            }
            return running;
        }
        return SparkSession.builder().config(conf(master)).getOrCreate();
    }

    /** Opens a run directory (any Hadoop URI) in {@link #session()}. */
    public static RunView open(String runDir) {
        return open(session(), runDir);
    }

    /** Opens a run directory (any Hadoop URI) in the given session. */
    public static RunView open(SparkSession spark, String runDir) {
        if (runDir == null || runDir.isBlank()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_ARGUMENT,
                    "run directory is empty; pass a path or URI such as runs/quickstart");
        }
        return new RunView(spark, runDir);
    }

    /**
     * The session settings of every MetricOpt session, except that Kryo registration is not
     * required: notebook cells run arbitrary Spark SQL, whose internal types this project does not
     * register (the same reason {@code metricopt show} relaxes it). On a cluster, executors get the
     * application jar, so MetricOpt's task functions load there; in the Jupyter kernel, the classes
     * of cells come from {@code spark.repl.class.outputDir}, a system property the kernel sets and
     * this conf reads with its defaults (docs/DESIGN.md, section 7).
     */
    static SparkConf conf(String master) {
        SparkConf conf = new SparkConf(true).setMaster(master);
        conf.setIfMissing("spark.app.name", APP_NAME);
        SparkSessions.applyDefaults(conf);
        conf.set("spark.kryo.registrationRequired", "false");
        if (!master.startsWith("local")) {
            conf.setIfMissing("spark.executor.extraJavaOptions", "-Dai.djl.offline=true");
            Path jar = applicationJar();
            if (jar != null && !conf.contains("spark.jars")) {
                conf.set("spark.jars", jar.toString());
            }
        }
        return conf;
    }

    /** The jar this class was loaded from, or null when it runs from a classes directory. */
    static Path applicationJar() {
        CodeSource source = MetricOpt.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            Path path = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(path) && path.toString().endsWith(".jar") ? path : null;
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }

    private static SparkSession running() {
        for (scala.Option<SparkSession> s :
                List.of(SparkSession.getActiveSession(), SparkSession.getDefaultSession())) {
            if (s.isDefined() && !s.get().sparkContext().isStopped()) {
                return s.get();
            }
        }
        return null;
    }
}
