package org.metricopt.driver.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.errors.ErrorClass;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code metricopt bench NAME}: named performance figures of the pipeline (BENCHMARKS.md), each the
 * median of several runs with their minimum and maximum. With {@code --json}, one JSON object a
 * line: {@code {"bench", "workload", "figure", "unit", "median", "min", "max", "runs"}}.
 * BENCHMARKS.md records the measured figures and what they are compared against.
 */
@Command(
        name = "bench",
        description =
                "Measure the pipeline: inner-loop steps per second, memory over many tasks,"
                        + " meta-iteration time split, local[1] vs local[2] scaling.",
        subcommands = {
            BenchCommand.InnerLoop.class,
            BenchCommand.Memory.class,
            BenchCommand.MetaIteration.class,
            BenchCommand.Scaling.class,
            BenchCommand.DriverScale.class
        })
public final class BenchCommand implements Callable<Integer> {
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

    /** Prints figures as JSON lines or human-readable lines. */
    static void print(PrintWriter out, List<Figure> figures, boolean json) {
        for (Figure f : figures) {
            out.println(json ? f.toJson() : f.toHuman());
        }
        out.flush();
    }

    /** Options every benchmark takes: help, and JSON output. */
    static final class Output {
        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help message and exit.")
        boolean help;

        @Option(names = "--json", description = "One JSON object per figure and line.")
        boolean json;

        // Read by MetricOptMain's error handler, like every command's --verbose.
        @Option(names = "--verbose", description = "Print stack traces of errors.")
        boolean verbose;
    }

    /**
     * The configuration options every benchmark takes, like the other commands' --conf and --set.
     * Each benchmark starts from its own base (its description names it) and applies these on top;
     * the benchmarks write nothing that outlives them, so --run-dir and --run-id do not apply.
     */
    static final class ConfigOptions {
        @Option(
                names = "--conf",
                paramLabel = "FILE",
                description =
                        "HOCON configuration on top of conf/defaults.conf (default: the"
                                + " benchmark's own, see its description).")
        String conf;

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description = "Override one configuration key (repeatable).")
        List<String> overrides = new ArrayList<>();

        /** The configuration file: --conf, else {@code fallback} (may be null: defaults only). */
        String confOr(String fallback) {
            return conf != null ? conf : fallback;
        }

        /** How the configuration reads in a benchmark's header line. */
        String describe(String fallback) {
            String file = confOr(fallback);
            return (file == null ? "defaults" : file)
                    + (overrides.isEmpty() ? "" : " " + String.join(" ", overrides));
        }
    }

    /** Converts {@code --workload} names, listing the allowed ones on a bad value. */
    static final class WorkloadConverter implements CommandLine.ITypeConverter<Workload> {
        @Override
        public Workload convert(String value) {
            try {
                return Workload.of(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Command(
            name = "inner-loop",
            description =
                    "Steps per second of phi -> loss and gradient -> SGD on the first 10000"
                            + " Fashion-MNIST training images, batch 128, one PyTorch thread."
                            + " --conf/--set change the network's settings (the workload sets"
                            + " network.kind).")
    static final class InnerLoop implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin Output output;

        @Mixin ConfigOptions config;

        @Option(
                names = "--workload",
                paramLabel = "W",
                converter = WorkloadConverter.class,
                description = "mlp-input-bias (default) or cnn-film.")
        Workload workload = Workload.MLP_INPUT_BIAS;

        @Option(
                names = "--repeats",
                paramLabel = "N",
                description = "Timed runs; the figure is their median (default: 5).")
        int repeats = 5;

        @Option(
                names = "--warmup-steps",
                paramLabel = "N",
                description = "Untimed steps before each timed run (default: 100).")
        int warmupSteps = 100;

        @Option(
                names = "--steps",
                paramLabel = "N",
                description = "Timed steps per run (default: 1000).")
        int steps = 1000;

        @Option(
                names = "--data-root",
                paramLabel = "URI",
                description =
                        "Fashion-MNIST directory (default: " + FashionMnist.DEFAULT_ROOT + ").")
        String dataRoot = FashionMnist.DEFAULT_ROOT;

        @Option(
                names = "--members",
                paramLabel = "M",
                description =
                        "Adapters per batched graph (phase B's population graph on one"
                                + " minibatch); figures then count member-steps, an upper bound"
                                + " on what batching M tasks per graph gains (default: 1, the"
                                + " single-task loop).")
        int members = 1;

        /** Rejects values the parser accepts but the benchmark cannot use. */
        void validate() {
            if (members < 1) {
                throw new ParameterException(
                        spec.commandLine(), "--members must be at least 1; got " + members);
            }
            if (repeats < 1) {
                throw new ParameterException(
                        spec.commandLine(), "--repeats must be at least 1; got " + repeats);
            }
            if (warmupSteps < 1) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--warmup-steps must be at least 1; got " + warmupSteps);
            }
            if (steps < 1) {
                throw new ParameterException(
                        spec.commandLine(), "--steps must be at least 1; got " + steps);
            }
        }

        @Override
        public Integer call() {
            validate();
            PrintWriter out = spec.commandLine().getOut();
            if (!output.json) {
                out.println(Machine.describe());
                out.println(
                        "inner-loop "
                                + workload
                                + ": "
                                + repeats
                                + " runs of "
                                + warmupSteps
                                + " warm-up + "
                                + steps
                                + " timed steps, batch "
                                + InnerLoopBench.BATCH
                                + ", "
                                + members
                                + (members == 1 ? " adapter" : " adapters")
                                + " per graph, 1 intra-op thread; load average "
                                + Machine.loadAverage());
                out.flush();
            }
            InnerLoopBench.Result r =
                    new InnerLoopBench(
                                    workload,
                                    dataRoot,
                                    warmupSteps,
                                    steps,
                                    config.conf,
                                    config.overrides,
                                    members)
                            .run(repeats);
            print(
                    out,
                    figures(workload, members, r.stepsPerSecond(), r.stepsPerCpuSecond()),
                    output.json);
            if (!output.json) {
                out.printf(
                        java.util.Locale.ROOT,
                        "sanity: phi of %d, loss %.4f at step 0 and %.4f at step %d; load average"
                                + " %s%n",
                        r.adapterDim(),
                        r.firstLoss(),
                        r.lastLoss(),
                        warmupSteps + steps - 1,
                        Machine.loadAverage());
                out.flush();
            }
            return 0;
        }

        /**
         * The single-task figures keep their names; with M members they are member-steps, named so
         * that a table never mixes the two.
         */
        static List<Figure> figures(
                Workload workload,
                int members,
                double[] stepsPerSecond,
                double[] stepsPerCpuSecond) {
            String prefix = members == 1 ? "" : "members" + members + "_member_";
            return List.of(
                    new Figure(
                            "inner-loop",
                            workload.id(),
                            prefix + "steps_per_s",
                            "1/s",
                            stepsPerSecond),
                    new Figure(
                            "inner-loop",
                            workload.id(),
                            prefix + "steps_per_cpu_s",
                            "1/s",
                            stepsPerCpuSecond));
        }
    }

    @Command(
            name = "memory",
            description =
                    "RSS and live native managers over many inner-loop tasks in one JVM, warm"
                            + " (after --warm-tasks) against the end. Configuration: a small"
                            + " task configuration on the defaults (or on --conf), then --set.")
    static final class Memory implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin Output output;

        @Mixin ConfigOptions config;

        @Option(
                names = "--tasks",
                paramLabel = "N",
                description = "Tasks to run in total (default: 1000).")
        int tasks = 1000;

        @Option(
                names = "--warm-tasks",
                paramLabel = "N",
                description = "Tasks after which the JVM counts as warm (default: 100).")
        int warmTasks = 100;

        @Option(
                names = "--every",
                paramLabel = "N",
                description = "Print a memory sample every N tasks after warm-up (default: 100).")
        int every = 100;

        void validate() {
            if (warmTasks < 1 || tasks <= warmTasks) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--tasks must exceed --warm-tasks, which must be at least 1; got --tasks "
                                + tasks
                                + " and --warm-tasks "
                                + warmTasks);
            }
            if (every < 1) {
                throw new ParameterException(
                        spec.commandLine(), "--every must be at least 1; got " + every);
            }
        }

        @Override
        public Integer call() {
            validate();
            PrintWriter out = spec.commandLine().getOut();
            if (!output.json) {
                out.println(Machine.describe());
                out.println(
                        "memory: "
                                + tasks
                                + " tasks, warm after "
                                + warmTasks
                                + ", config "
                                + String.join(" ", MemoryBench.SMALL_CONFIG)
                                + " on "
                                + config.describe(null)
                                + "; load average "
                                + Machine.loadAverage());
                out.flush();
            }
            MemoryBench.Result r =
                    new MemoryBench(config.conf, config.overrides, tasks, warmTasks, every)
                            .run(
                                    s -> {
                                        if (!output.json) {
                                            out.printf(
                                                    java.util.Locale.ROOT,
                                                    "after %d tasks: rss %.1f MiB, rss outside JVM pools %.1f MiB,"
                                                            + " live managers %d, malloc in use %.1f MiB,"
                                                            + " malloc free %.1f MiB%n",
                                                    s.tasksDone(),
                                                    s.rssKib() / 1024.0,
                                                    s.nativeKib() / 1024.0,
                                                    s.liveManagers(),
                                                    s.mallocInUseKib() / 1024.0,
                                                    s.mallocFreeKib() / 1024.0);
                                            out.flush();
                                        }
                                    });
            print(out, figures(r), output.json);
            return 0;
        }

        static List<Figure> figures(MemoryBench.Result r) {
            String w = "tasks-" + r.warm().tasksDone() + "-to-" + r.end().tasksDone();
            return List.of(
                    one(w, "rss_warm", "MiB", r.warm().rssKib() / 1024.0),
                    one(w, "rss_end", "MiB", r.end().rssKib() / 1024.0),
                    one(w, "rss_growth", "%", r.rssGrowthPercent()),
                    one(w, "rss_peak_growth", "%", r.rssPeakGrowthPercent()),
                    one(
                            w,
                            "rss_outside_jvm_growth",
                            "MiB",
                            (r.end().nativeKib() - r.warm().nativeKib()) / 1024.0),
                    one(
                            w,
                            "live_managers_growth",
                            "count",
                            r.end().liveManagers() - r.warm().liveManagers()),
                    one(
                            w,
                            "malloc_in_use_growth",
                            "MiB",
                            (r.end().mallocInUseKib() - r.warm().mallocInUseKib()) / 1024.0),
                    one(
                            w,
                            "malloc_free_growth",
                            "MiB",
                            (r.end().mallocFreeKib() - r.warm().mallocFreeKib()) / 1024.0));
        }

        private static Figure one(String workload, String figure, String unit, double value) {
            return Figure.single("memory", workload, figure, unit, value);
        }
    }

    @Command(
            name = "meta-iteration",
            description =
                    "Steady-state value-function and joint meta-iterations of conf/quickstart.conf"
                            + " in local mode (one run of each kind): wall time per iteration,"
                            + " executor compute and driver work, bytes returned, and the CPU time"
                            + " of the JVM's threads by kind.")
    static final class MetaIteration implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin Output output;

        @Mixin ConfigOptions config;

        @Option(
                names = "--repeats",
                paramLabel = "N",
                description =
                        "Measured meta-iterations of each kind; figures are medians (default: 5).")
        int repeats = 5;

        @Option(
                names = "--warmups",
                paramLabel = "N",
                description =
                        "Unmeasured meta-iterations at the start of each measured run, at least 1"
                                + " (default: 2; a one-iteration run of each kind comes first).")
        int warmups = 2;

        void validate() {
            if (warmups < 1) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--warmups must be at least 1 (an iteration's wall time starts at the one"
                                + " before it); got "
                                + warmups);
            }
            if (repeats < 1) {
                throw new ParameterException(
                        spec.commandLine(), "--repeats must be at least 1; got " + repeats);
            }
        }

        @Override
        public Integer call() {
            validate();
            PrintWriter out = spec.commandLine().getOut();
            java.util.function.Consumer<String> log =
                    line -> {
                        if (!output.json) {
                            out.println(line + "; load average " + Machine.loadAverage());
                            out.flush();
                        }
                    };
            if (!output.json) {
                out.println(Machine.describe());
                log.accept(
                        "meta-iteration: "
                                + repeats
                                + " of each kind, "
                                + config.describe(MetaIterationBench.CONF_FILE));
            }
            List<MetaIterationBench.Result> results =
                    new MetaIterationBench(
                                    config.confOr(MetaIterationBench.CONF_FILE), config.overrides)
                            .run(warmups, repeats, log);
            List<Figure> figures = new ArrayList<>();
            MetaIterationBench.Mode[] modes = MetaIterationBench.Mode.values();
            for (int i = 0; i < modes.length; i++) {
                figures.addAll(MetaIterationBench.figures(modes[i], results.get(i)));
            }
            print(out, figures, output.json);
            return 0;
        }
    }

    @Command(
            name = "scaling",
            description =
                    "Finetuning throughput (tasks/s) of conf/quickstart.conf with inner.steps=100,"
                            + " local[1] against local[2] (or 1 against 2 executors on a"
                            + " standalone cluster with --master), in two Spark sessions one after"
                            + " the other.")
    static final class Scaling implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin Output output;

        @Mixin ConfigOptions config;

        @Option(
                names = "--tasks",
                paramLabel = "N",
                description = "Tasks per timed batch (default: 24).")
        int tasks = 24;

        @Option(
                names = "--warmup-tasks",
                paramLabel = "N",
                description =
                        "Untimed tasks per task slot run first in each session, so each executor"
                                + " JVM is equally warm (default: 48).")
        int warmupTasks = 48;

        @Option(
                names = "--local2-first",
                description =
                        "Run the local[2] session before the local[1] one (default: local[1]"
                                + " first), to see the effect of the order.")
        boolean local2First;

        @Option(
                names = "--master",
                paramLabel = "URL",
                description =
                        "A standalone master (e.g. spark://127.0.0.1:7077 from deploy/bin/"
                                + "local-cluster start 2 1): compare 1 with 2 one-core executors"
                                + " there, each in its own JVM, instead of local[1] with local[2].")
        String master;

        @Option(
                names = "--app-jar",
                paramLabel = "JAR",
                description =
                        "The application jar shipped to standalone executors (default:"
                                + " deploy/target/metricopt-app.jar).")
        String appJar = "deploy/target/metricopt-app.jar";

        @Option(
                names = "--repeats",
                paramLabel = "N",
                description = "Timed batches per session; figures are medians (default: 3).")
        int repeats = 3;

        void validate() {
            if (master != null && !master.startsWith("spark://")) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--master " + master + ": expected a standalone master spark://HOST:PORT");
            }
            if (master != null && !new java.io.File(appJar).isFile()) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--app-jar "
                                + appJar
                                + ": no such file; build it with mvn package, or pass its path");
            }
            if (tasks < 1 || warmupTasks < 1 || repeats < 1) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--tasks, --warmup-tasks and --repeats must be at least 1; got "
                                + tasks
                                + ", "
                                + warmupTasks
                                + " and "
                                + repeats);
            }
        }

        @Override
        public Integer call() {
            validate();
            PrintWriter out = spec.commandLine().getOut();
            java.util.function.Consumer<String> log =
                    line -> {
                        if (!output.json) {
                            out.println(line);
                            out.flush();
                        }
                    };
            if (!output.json) {
                out.println(Machine.describe());
                log.accept(
                        "scaling: "
                                + repeats
                                + " batches of "
                                + tasks
                                + " tasks after "
                                + warmupTasks
                                + " warm-up tasks, inner.steps=100; load average "
                                + Machine.loadAverage());
            }
            ScalingBench bench =
                    new ScalingBench(
                            config.confOr(ScalingBench.CONF_FILE),
                            tasks,
                            warmupTasks,
                            config.overrides);
            ScalingBench.Result one;
            ScalingBench.Result two;
            if (master != null) {
                String jar = new java.io.File(appJar).getAbsolutePath();
                if (local2First) {
                    two = bench.runStandalone(master, 2, jar, repeats, log);
                    one = bench.runStandalone(master, 1, jar, repeats, log);
                } else {
                    one = bench.runStandalone(master, 1, jar, repeats, log);
                    two = bench.runStandalone(master, 2, jar, repeats, log);
                }
                print(
                        out,
                        figures("standalone", tasks, one.tasksPerSecond(), two.tasksPerSecond()),
                        output.json);
                return 0;
            }
            if (local2First) {
                two = bench.run(2, repeats, log);
                one = bench.run(1, repeats, log);
            } else {
                one = bench.run(1, repeats, log);
                two = bench.run(2, repeats, log);
            }
            List<Figure> figures =
                    new ArrayList<>(
                            figures("local", tasks, one.tasksPerSecond(), two.tasksPerSecond()));
            String w = "finetune-" + tasks + "-tasks";
            figures.add(
                    new Figure("scaling", w, "local1_jvm_cpu_cores", "cores", one.coresObtained()));
            figures.add(
                    new Figure("scaling", w, "local2_jvm_cpu_cores", "cores", two.coresObtained()));
            print(out, figures, output.json);
            return 0;
        }

        /**
         * Figures {@code <kind>1_tasks_per_s}, {@code <kind>2_...}, {@code <kind>2_over_<kind>1}.
         */
        static List<Figure> figures(String kind, int tasks, double[] one, double[] two) {
            String w = "finetune-" + tasks + "-tasks";
            int n = Math.min(one.length, two.length);
            double[] ratio = new double[n];
            for (int i = 0; i < n; i++) {
                ratio[i] = two[i] / one[i];
            }
            return List.of(
                    new Figure("scaling", w, kind + "1_tasks_per_s", "1/s", one),
                    new Figure("scaling", w, kind + "2_tasks_per_s", "1/s", two),
                    new Figure("scaling", w, kind + "2_over_" + kind + "1", "x", ratio));
        }
    }

    @Command(
            name = "driver-scale",
            description =
                    "The driver's learning per meta-iteration (value step and ES update, no Spark)"
                            + " for N tasks x P pairs of synthetic results, and its projected share"
                            + " of an iteration's wall time on E executors at today's task length."
                            + " Configuration: the defaults with the learned optimizer on.")
    static final class DriverScale implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Mixin Output output;

        @Mixin ConfigOptions config;

        @Option(
                names = "--tasks",
                split = ",",
                paramLabel = "N",
                description = "Task counts to measure, at least two (default: 16,64,256).")
        List<Integer> tasks = new ArrayList<>(List.of(16, 64, 256));

        @Option(
                names = "--pairs",
                split = ",",
                paramLabel = "P",
                description = "Antithetic pairs per task to measure (default: 8,64).")
        List<Integer> pairs = new ArrayList<>(List.of(8, 64));

        @Option(
                names = "--repeats",
                paramLabel = "N",
                description = "Timed iterations per point; figures are medians (default: 3).")
        int repeats = 3;

        @Option(
                names = "--warmups",
                paramLabel = "N",
                description = "Unmeasured iterations before each point's timed ones (default: 2).")
        int warmups = 2;

        @Option(
                names = "--executors",
                paramLabel = "E",
                description = "Executors of the projection, one task each (default: 1000).")
        int executors = 1000;

        @Option(
                names = "--task-seconds",
                paramLabel = "S",
                description =
                        "Executor seconds of one phase-A task's unroll (default: 0.59, the full"
                                + " configuration's executor_compute_s / tasks in metrics/ with"
                                + " meta-train.adapt-on = driver); the measured adaptation is"
                                + " added when the executors adapt.")
        double taskSeconds = 0.59;

        @Option(
                names = "--pair-seconds",
                paramLabel = "S",
                description =
                        "Executor seconds of one ES pair (default: 0.27, the full configuration's"
                                + " es_executor_compute_s / es_pairs in metrics/).")
        double pairSeconds = 0.27;

        @Override
        public Integer call() {
            if (tasks.size() < 2 || tasks.stream().anyMatch(t -> t < 1)) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--tasks needs at least two positive task counts; got " + tasks);
            }
            if (pairs.isEmpty()
                    || pairs.stream().anyMatch(p -> p < 1)
                    || repeats < 1
                    || warmups < 0) {
                throw new ParameterException(
                        spec.commandLine(),
                        "--pairs needs positive counts, --repeats at least 1 and --warmups at"
                                + " least 0; got "
                                + pairs
                                + ", "
                                + repeats
                                + ", "
                                + warmups);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (!output.json) {
                out.println(Machine.describe());
            }
            DriverScaleBench bench = new DriverScaleBench(config.conf, config.overrides);
            List<Figure> figures = new ArrayList<>();
            List<Integer> sortedTasks = tasks.stream().sorted().toList();
            int maxPairs = pairs.stream().max(Integer::compare).orElseThrow();
            DriverScaleBench.Point small = null;
            DriverScaleBench.Point large = null;
            for (int p : pairs) {
                for (int t : sortedTasks) {
                    DriverScaleBench.Point pt = bench.measure(t, p, warmups, repeats);
                    String w = t + "x" + p;
                    figures.add(new Figure("driver-scale", w, "step_s", "s", pt.stepSeconds()));
                    figures.add(new Figure("driver-scale", w, "es_update_s", "s", pt.esSeconds()));
                    figures.add(
                            new Figure(
                                    "driver-scale",
                                    w,
                                    "executor_adapt_per_task_s",
                                    "s",
                                    pt.adaptSeconds()));
                    if (!output.json) {
                        print(out, figures.subList(figures.size() - 3, figures.size()), false);
                        out.println("  load average " + Machine.loadAverage());
                    }
                    if (p == maxPairs && t == sortedTasks.get(0)) {
                        small = pt;
                    }
                    if (p == maxPairs && t == sortedTasks.get(sortedTasks.size() - 1)) {
                        large = pt;
                    }
                }
            }
            double[] driver = DriverScaleBench.projectDriver(small, large, executors, maxPairs);
            double driverS = driver[0] + driver[1];
            // With adaptation on the executors, each task's executor time grows by it.
            double executorS =
                    taskSeconds + Figure.median(large.adaptSeconds()) + maxPairs * pairSeconds;
            String w = executors + "x" + maxPairs;
            List<Figure> projection =
                    List.of(
                            Figure.single(
                                    "driver-scale", w, "projected_value_step_s", "s", driver[0]),
                            Figure.single(
                                    "driver-scale", w, "projected_es_update_s", "s", driver[1]),
                            Figure.single(
                                    "driver-scale", w, "projected_executor_s", "s", executorS),
                            Figure.single(
                                    "driver-scale",
                                    w,
                                    "projected_driver_share",
                                    "1",
                                    driverS / (driverS + executorS)));
            figures.addAll(projection);
            print(out, output.json ? figures : projection, output.json);
            return 0;
        }
    }
}
