package org.metricopt.driver.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.driver.jupyter.KernelSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code metricopt jupyter install}: registers the MetricOpt Java kernel with Jupyter, so notebooks
 * run Java cells with MetricOpt and Spark on the classpath (what {@code spark-shell} is to a
 * terminal). The kernel runs on this command's classpath and JVM options.
 */
@Command(
        name = "jupyter",
        description = "Jupyter support: install the MetricOpt Java kernel.",
        subcommands = {JupyterCommand.Install.class})
public final class JupyterCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ErrorClass.INVALID_ARGUMENT.exitCode();
    }

    @Command(
            name = "install",
            description =
                    "Write the kernelspec (kernel.json) of the MetricOpt kernel into Jupyter's"
                            + " user data directory (default) or PREFIX/share/jupyter/kernels.")
    static final class Install implements Callable<Integer> {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help message and exit.")
        boolean help;

        @Option(
                names = "--user",
                description =
                        "Install for this user: $JUPYTER_DATA_DIR/kernels or"
                                + " ~/.local/share/jupyter/kernels (the default).")
        boolean user;

        @Option(
                names = "--prefix",
                paramLabel = "DIR",
                description = "Install into DIR/share/jupyter/kernels (e.g. a virtualenv).")
        String prefix;

        @Option(
                names = "--name",
                paramLabel = "NAME",
                description = "Kernel name, the directory under kernels/ (default metricopt).")
        String name = KernelSpec.DEFAULT_NAME;

        @Option(
                names = "--display-name",
                paramLabel = "TEXT",
                description = "Name in the notebook's kernel menu.")
        String displayName = KernelSpec.DEFAULT_DISPLAY_NAME;

        @Option(
                names = "--master",
                paramLabel = "URL",
                description =
                        "Spark master of the notebooks' sessions, e.g. spark://127.0.0.1:7077"
                                + " (default local[*]; METRICOPT_SPARK_MASTER in kernel.json).")
        String master;

        @Override
        public Integer call() {
            if (user && prefix != null) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT,
                        "--user and --prefix "
                                + prefix
                                + " both choose where to install; give one");
            }
            if (prefix != null && prefix.isBlank()) {
                throw new MetricOptException(
                        ErrorClass.INVALID_ARGUMENT, "--prefix is empty; pass a directory");
            }
            KernelSpec kernel = KernelSpec.forThisJvm(displayName, master);
            Path dir = kernel.install(KernelSpec.kernelsDirectory(prefix), name);
            MetricOptMain.OUT.println("installed kernelspec " + name + " in " + dir);
            MetricOptMain.OUT.println(
                    "Spark master of its notebooks: "
                            + kernel.env()
                                    .getOrDefault(
                                            org.metricopt.driver.notebook.MetricOpt.MASTER_ENV,
                                            "local[*]"));
            return 0;
        }
    }
}
