package org.metricopt.driver.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.errors.ErrorClass;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code metricopt bench NAME}: named performance figures of the pipeline (issue 6), each the
 * median of several runs with their minimum and maximum. With {@code --json}, one JSON object a
 * line: {@code {"bench", "workload", "figure", "unit", "median", "min", "max", "runs"}}.
 * BENCHMARKS.md records the measured figures and what they are compared against.
 */
@Command(
        name = "bench",
        description = "Measure the pipeline: inner-loop steps per second, memory over many tasks.",
        subcommands = {BenchCommand.InnerLoop.class, BenchCommand.Memory.class})
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
                            + " Fashion-MNIST training images, batch 128, one PyTorch thread.")
    static final class InnerLoop implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help message and exit.")
        boolean help;

        @Option(
                names = "--workload",
                paramLabel = "W",
                converter = WorkloadConverter.class,
                description = "mlp-input-bias (default) or cnn-film.")
        Workload workload = Workload.MLP_INPUT_BIAS;

        @Option(names = "--json", description = "One JSON object per figure and line.")
        boolean json;

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

        /** Rejects values the parser accepts but the benchmark cannot use. */
        void validate() {
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
            if (!json) {
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
                                + ", 1 intra-op thread; load average "
                                + Machine.loadAverage());
                out.flush();
            }
            InnerLoopBench.Result r =
                    new InnerLoopBench(workload, dataRoot, warmupSteps, steps).run(repeats);
            print(out, figures(workload, r.stepsPerSecond(), r.stepsPerCpuSecond()), json);
            if (!json) {
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

        static List<Figure> figures(
                Workload workload, double[] stepsPerSecond, double[] stepsPerCpuSecond) {
            return List.of(
                    new Figure("inner-loop", workload.id(), "steps_per_s", "1/s", stepsPerSecond),
                    new Figure(
                            "inner-loop",
                            workload.id(),
                            "steps_per_cpu_s",
                            "1/s",
                            stepsPerCpuSecond));
        }
    }

    @Command(
            name = "memory",
            description =
                    "RSS and live native managers over many inner-loop tasks in one JVM, warm"
                            + " (after --warm-tasks) against the end.")
    static final class Memory implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(
                names = {"-h", "--help"},
                usageHelp = true,
                description = "Show this help message and exit.")
        boolean help;

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

        @Option(
                names = "--set",
                paramLabel = "KEY=VALUE",
                description =
                        "Override a configuration key on top of the small task configuration"
                                + " (repeatable), e.g. --set inner.steps=200.")
        List<String> overrides = new ArrayList<>();

        @Option(names = "--json", description = "One JSON object per figure and line.")
        boolean json;

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
            if (!json) {
                out.println(Machine.describe());
                out.println(
                        "memory: "
                                + tasks
                                + " tasks, warm after "
                                + warmTasks
                                + ", config "
                                + String.join(" ", MemoryBench.SMALL_CONFIG)
                                + (overrides.isEmpty() ? "" : " " + String.join(" ", overrides))
                                + "; load average "
                                + Machine.loadAverage());
                out.flush();
            }
            MemoryBench.Result r =
                    new MemoryBench(overrides, tasks, warmTasks, every)
                            .run(
                                    s -> {
                                        if (!json) {
                                            out.printf(
                                                    java.util.Locale.ROOT,
                                                    "after %d tasks: rss %.1f MiB, rss outside JVM pools %.1f MiB,"
                                                            + " live managers %d%n",
                                                    s.tasksDone(),
                                                    s.rssKib() / 1024.0,
                                                    s.nativeKib() / 1024.0,
                                                    s.liveManagers());
                                            out.flush();
                                        }
                                    });
            print(out, figures(r), json);
            return 0;
        }

        static List<Figure> figures(MemoryBench.Result r) {
            String w = "tasks-" + r.warm().tasksDone() + "-to-" + r.end().tasksDone();
            return List.of(
                    one(w, "rss_warm", "MiB", r.warm().rssKib() / 1024.0),
                    one(w, "rss_end", "MiB", r.end().rssKib() / 1024.0),
                    one(w, "rss_growth", "%", r.rssGrowthPercent()),
                    one(
                            w,
                            "rss_outside_jvm_growth",
                            "MiB",
                            (r.end().nativeKib() - r.warm().nativeKib()) / 1024.0),
                    one(
                            w,
                            "live_managers_growth",
                            "count",
                            r.end().liveManagers() - r.warm().liveManagers()));
        }

        private static Figure one(String workload, String figure, String unit, double value) {
            return new Figure("memory", workload, figure, unit, new double[] {value});
        }
    }
}
