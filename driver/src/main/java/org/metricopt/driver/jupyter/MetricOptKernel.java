package org.metricopt.driver.jupyter;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.HelpLink;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.metricopt.common.io.Provenance;

/**
 * The MetricOpt Jupyter kernel: Java cells evaluated by JShell inside a JVM that has MetricOpt,
 * Spark and Hadoop on its classpath, so a notebook is to a cluster what {@code spark-shell} is to a
 * terminal. The Jupyter wire protocol (ZeroMQ sockets, signing, kernel_info, shutdown, interrupt
 * messages, stdout/stderr streaming) comes from the generic JVM kernel of {@code jjava-jupyter};
 * this class adds cell evaluation ({@link CellEvaluator}) and the display of MetricOpt values
 * ({@link NotebookDisplay}). Launched by the argv that {@code metricopt jupyter install} writes
 * into the kernelspec, with the connection file as its only argument.
 */
public final class MetricOptKernel extends BaseKernel {
    static final String NAME = "MetricOpt";

    private final CellEvaluator cells;
    private final ReplClassDirectory classes;

    private MetricOptKernel(
            String classpath,
            String version,
            JupyterIO io,
            CommManager commManager,
            Renderer renderer,
            MagicsRegistry magics,
            StringStyler errorStyler,
            ReplClassDirectory classes) {
        super(
                NAME,
                version,
                new LanguageInfo(
                        "java",
                        Runtime.version().toString(),
                        "text/x-java-source",
                        ".jshell",
                        "java",
                        "text/x-java",
                        "script"),
                List.of(
                        new HelpLink(
                                "Java API", "https://docs.oracle.com/en/java/javase/17/docs/api/"),
                        new HelpLink(
                                "Spark SQL Java API",
                                "https://spark.apache.org/docs/latest/api/java/")),
                null,
                io,
                commManager,
                renderer,
                null,
                magics,
                false,
                errorStyler);
        this.classes = classes;
        this.cells = new CellEvaluator(classpath, classes);
        NotebookDisplay.register(renderer);
    }

    /**
     * Builds a kernel whose cells compile against {@code classpath}, and whose Spark sessions serve
     * the classes of its cells to executors ({@link ReplClassDirectory}).
     */
    static MetricOptKernel create(String classpath) {
        return new Builder(classpath).build();
    }

    /** The library's builder supplies the I/O streams, renderer and error styling. */
    private static final class Builder extends BaseKernelBuilder<Builder, MetricOptKernel> {
        private final String classpath;

        Builder(String classpath) {
            this.classpath = classpath;
            name(NAME);
            version(Provenance.version());
        }

        @Override
        public MetricOptKernel build() {
            return new MetricOptKernel(
                    classpath,
                    buildVersion(),
                    buildJupyterIO(buildJupyterIOEncoding()),
                    buildCommManager(),
                    buildRenderer(),
                    buildMagicsRegistry(),
                    buildErrorStyler(),
                    ReplClassDirectory.create().publish());
        }
    }

    @Override
    public Object evalRaw(String code) {
        return cells.eval(code);
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        String doc = cells.documentation(code, at);
        return doc.isEmpty() ? null : new DisplayData(doc);
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        CellEvaluator.Completions c = cells.complete(code, at);
        return new ReplacementOptions(c.candidates(), c.start(), c.end());
    }

    @Override
    public String isComplete(String code) {
        String completeness = cells.completeness(code);
        return switch (completeness) {
            case "complete" -> IS_COMPLETE_YES;
            case "invalid" -> IS_COMPLETE_BAD;
            default -> completeness;
        };
    }

    /**
     * A compile error shows as javac shows it (message, line, caret); an exception thrown by a cell
     * as its stack trace down to the cell, without the kernel's and JShell's frames below it.
     */
    @Override
    public List<String> formatError(Throwable e) {
        if (e instanceof CellEvaluator.CompilationException c) {
            return errorStyler.primaryLines(String.join("\n", c.details()));
        }
        if (e instanceof CellEvaluator.EvaluationException && e.getCause() != null) {
            Throwable cause = e.getCause();
            trimToCell(cause);
            StringWriter trace = new StringWriter();
            cause.printStackTrace(new PrintWriter(trace));
            return errorStyler.secondaryLines(trace.toString());
        }
        return super.formatError(e);
    }

    /** Drops the frames below the cell's own code (JShell's wrapper class is named REPL.*). */
    static void trimToCell(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            StackTraceElement[] frames = c.getStackTrace();
            int last = -1;
            for (int i = 0; i < frames.length; i++) {
                if (frames[i].getClassName().startsWith("REPL.")) {
                    last = i;
                }
            }
            if (last >= 0) {
                List<StackTraceElement> kept =
                        new ArrayList<>(List.of(frames).subList(0, last + 1));
                c.setStackTrace(kept.toArray(StackTraceElement[]::new));
            }
            if (c.getCause() == c) {
                break;
            }
        }
    }

    /** Stops the running cell: cancels its Spark jobs and interrupts its thread. */
    @Override
    public void interrupt() {
        if (SparkSession.getDefaultSession().isDefined()) {
            SparkSession.getDefaultSession().get().sparkContext().cancelAllJobs();
        }
        cells.interrupt();
    }

    /**
     * Stops the notebook's Spark session (its executors on a cluster) and JShell, and deletes the
     * classes of its cells.
     */
    @Override
    public void onShutdown(boolean isRestarting) {
        super.onShutdown(isRestarting);
        cells.close();
        if (SparkSession.getDefaultSession().isDefined()) {
            SparkSession.getDefaultSession().get().stop();
        }
        classes.close();
    }

    /** The directory the classes of this kernel's cells are written to. */
    Path classDirectory() {
        return classes.path();
    }

    /**
     * Starts the kernel on the connection file Jupyter passes ({@code {connection_file}} in
     * kernel.json) and serves until the client shuts it down.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println(
                    "metricopt-kernel: error: expected one argument, the Jupyter connection file;"
                            + " install the kernel with 'metricopt jupyter install'");
            System.exit(2);
        }
        // Plots are rendered to PNG bytes; a kernel has no display.
        System.setProperty("java.awt.headless", "true");
        String connectionJson;
        try {
            connectionJson = Files.readString(Path.of(args[0]));
        } catch (IOException e) {
            System.err.println(
                    "metricopt-kernel: error: cannot read the connection file "
                            + args[0]
                            + ": "
                            + e.getMessage());
            System.exit(2);
            return;
        }
        JupyterConnection connection =
                new JupyterConnection(KernelConnectionProperties.parse(connectionJson));
        MetricOptKernel kernel = create(System.getProperty("java.class.path"));
        // The classes of cells go with the kernel also when it ends without a shutdown request.
        Runtime.getRuntime().addShutdownHook(new Thread(kernel.classes::close));
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        // Spark leaves non-daemon threads behind; the kernel process ends with the connection.
        System.exit(0);
    }
}
