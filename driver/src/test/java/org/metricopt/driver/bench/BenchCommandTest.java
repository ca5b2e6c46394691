package org.metricopt.driver.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.tasks.TaskData;
import org.metricopt.common.testing.Fixtures;
import picocli.CommandLine;

/** Argument parsing and figure formatting of {@code bench}; nothing here runs a benchmark. */
class BenchCommandTest {
    /** Surefire runs in the module directory; the configuration lives at the repository root. */
    private static final String QUICKSTART = "../conf/quickstart.conf";

    private static CommandLine cli(StringWriter out, StringWriter err) {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli;
    }

    private static <T> T parsed(String sub, Class<T> type, String... args) {
        CommandLine cli = new CommandLine(new BenchCommand());
        List<String> all = new ArrayList<>(List.of(sub));
        all.addAll(List.of(args));
        cli.parseArgs(all.toArray(String[]::new));
        return type.cast(cli.getSubcommands().get(sub).getCommand());
    }

    @Test
    void innerLoopDefaultsAreTheIssuesWorkload() {
        BenchCommand.InnerLoop c = parsed("inner-loop", BenchCommand.InnerLoop.class);
        assertThat(c.workload).isEqualTo(Workload.MLP_INPUT_BIAS);
        assertThat(c.repeats).isEqualTo(5);
        assertThat(c.warmupSteps).isEqualTo(100);
        assertThat(c.steps).isEqualTo(1000);
        assertThat(c.output.json).isFalse();
        assertThat(c.dataRoot).isEqualTo(FashionMnist.DEFAULT_ROOT);
    }

    @Test
    void innerLoopParsesWorkloadJsonAndRepeats() {
        BenchCommand.InnerLoop c =
                parsed(
                        "inner-loop",
                        BenchCommand.InnerLoop.class,
                        "--workload",
                        "cnn-film",
                        "--json",
                        "--repeats",
                        "3");
        assertThat(c.workload).isEqualTo(Workload.CNN_FILM);
        assertThat(c.workload.networkKind()).isEqualTo("cnn");
        assertThat(c.output.json).isTrue();
        assertThat(c.repeats).isEqualTo(3);
    }

    @Test
    void unknownWorkloadIsRejectedWithTheAllowedNames() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = cli(out, err).execute("inner-loop", "--workload", "resnet");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString())
                .contains("workload 'resnet' is unknown")
                .contains("mlp-input-bias, cnn-film");
    }

    @Test
    void nonPositiveCountsAreRejectedBeforeAnyWork() {
        StringWriter err = new StringWriter();
        assertThat(cli(new StringWriter(), err).execute("inner-loop", "--repeats", "0"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--repeats must be at least 1; got 0");

        StringWriter err2 = new StringWriter();
        assertThat(
                        cli(new StringWriter(), err2)
                                .execute("memory", "--tasks", "50", "--warm-tasks", "100"))
                .isEqualTo(2);
        assertThat(err2.toString()).contains("--tasks 50 and --warm-tasks 100");
    }

    @Test
    void memoryDefaultsAndOverrides() {
        BenchCommand.Memory m = parsed("memory", BenchCommand.Memory.class);
        assertThat(m.tasks).isEqualTo(1000);
        assertThat(m.warmTasks).isEqualTo(100);
        assertThat(m.config.overrides).isEmpty();
        BenchCommand.Memory m2 =
                parsed(
                        "memory",
                        BenchCommand.Memory.class,
                        "--tasks",
                        "300",
                        "--json",
                        "--set",
                        "inner.steps=200");
        assertThat(m2.tasks).isEqualTo(300);
        assertThat(m2.output.json).isTrue();
        assertThat(m2.config.overrides).containsExactly("inner.steps=200");
    }

    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.ValueSource(
            strings = {"inner-loop", "memory", "meta-iteration", "scaling", "driver-scale"})
    void everyBenchTakesTheCommonConfigurationOptionsAndVerbose(String sub) {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.parseArgs(
                sub, "--conf", "conf/fashion-mnist.conf", "--set", "inner.steps=20", "--verbose");
        var mixins = cli.getSubcommands().get(sub).getCommandSpec().mixins();
        BenchCommand.ConfigOptions config =
                (BenchCommand.ConfigOptions) mixins.get("config").userObject();
        BenchCommand.Output output = (BenchCommand.Output) mixins.get("output").userObject();
        assertThat(config.conf).isEqualTo("conf/fashion-mnist.conf");
        assertThat(config.confOr("conf/quickstart.conf")).isEqualTo("conf/fashion-mnist.conf");
        assertThat(config.overrides).containsExactly("inner.steps=20");
        assertThat(output.verbose).isTrue();
    }

    @Test
    void innerLoopsNetworkFollowsTheConfigurationExceptTheKindItsWorkloadFixes() {
        assertThat(
                        InnerLoopBench.network(
                                        Workload.MLP_INPUT_BIAS, null, List.of("network.kind=cnn"))
                                .kind())
                .isEqualTo("mlp");
    }

    @Test
    void benchWithoutANameShowsUsageAndFails() {
        StringWriter out = new StringWriter();
        assertThat(cli(out, new StringWriter()).execute()).isEqualTo(2);
        assertThat(out.toString()).contains("inner-loop").contains("memory");
    }

    @Test
    void figureJsonHasTheIssuesKeysInOrderAndTheMedianOfTheRuns() throws Exception {
        Figure f =
                new Figure(
                        "inner-loop",
                        "mlp-input-bias",
                        "steps_per_s",
                        "1/s",
                        new double[] {3.0, 1.0, 2.0, 10.0});
        String line = f.toJson();
        assertThat(line).doesNotContain("\n");
        JsonNode n = new ObjectMapper().readTree(line);
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        assertThat(keys)
                .containsExactly(
                        "bench", "workload", "figure", "unit", "median", "min", "max", "runs");
        assertThat(n.get("bench").asText()).isEqualTo("inner-loop");
        assertThat(n.get("workload").asText()).isEqualTo("mlp-input-bias");
        assertThat(n.get("figure").asText()).isEqualTo("steps_per_s");
        assertThat(n.get("unit").asText()).isEqualTo("1/s");
        assertThat(n.get("median").asDouble()).isEqualTo(2.5);
        assertThat(n.get("min").asDouble()).isEqualTo(1.0);
        assertThat(n.get("max").asDouble()).isEqualTo(10.0);
        assertThat(n.get("runs").asInt()).isEqualTo(4);
    }

    @Test
    void figureMedianOfAnOddCountIsTheMiddleValueAndHumanLineNamesEverything() {
        Figure f = new Figure("memory", "w", "rss_growth", "%", new double[] {5, 1, 3});
        assertThat(f.median()).isEqualTo(3.0);
        assertThat(f.toHuman())
                .isEqualTo("memory w rss_growth: median 3.00 % (min 1.00, max 5.00, 3 runs)");
        assertThatThrownBy(() -> new Figure("b", "w", "f", "u", new double[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one sample");
    }

    @Test
    void printWritesOneJsonObjectPerLine() {
        StringWriter sw = new StringWriter();
        BenchCommand.print(
                new PrintWriter(sw),
                BenchCommand.InnerLoop.figures(
                        Workload.CNN_FILM, 1, new double[] {20, 22, 21}, new double[] {30, 31, 32}),
                true);
        String[] lines = sw.toString().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[1]).contains("\"figure\":\"steps_per_cpu_s\"").contains("\"median\":31.0");
        assertThat(lines[0])
                .startsWith(
                        "{\"bench\":\"inner-loop\",\"workload\":\"cnn-film\","
                                + "\"figure\":\"steps_per_s\",\"unit\":\"1/s\",\"median\":21.0");
    }

    @Test
    void innerLoopMembersNameTheirFiguresAndMustBePositive() {
        assertThat(parsed("inner-loop", BenchCommand.InnerLoop.class).members).isEqualTo(1);
        assertThat(parsed("inner-loop", BenchCommand.InnerLoop.class, "--members", "8").members)
                .isEqualTo(8);
        assertThat(
                        BenchCommand.InnerLoop.figures(
                                        Workload.MLP_INPUT_BIAS,
                                        8,
                                        new double[] {1},
                                        new double[] {2})
                                .stream()
                                .map(Figure::figure))
                .containsExactly("members8_member_steps_per_s", "members8_member_steps_per_cpu_s");
        StringWriter err = new StringWriter();
        assertThat(cli(new StringWriter(), err).execute("inner-loop", "--members", "0"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--members must be at least 1; got 0");
    }

    @Test
    void memoryFiguresReportGrowthFromWarmToEnd() {
        MemoryBench.Sample warm =
                new MemoryBench.Sample(100, 1000 * 1024, 100 * 1024, 0, 300 * 1024, 20 * 1024);
        MemoryBench.Sample end =
                new MemoryBench.Sample(1000, 1030 * 1024, 110 * 1024, 0, 302 * 1024, 45 * 1024);
        MemoryBench.Sample high =
                new MemoryBench.Sample(500, 1080 * 1024, 150 * 1024, 0, 301 * 1024, 60 * 1024);
        MemoryBench.Result r = new MemoryBench.Result(warm, end, List.of(warm, high, end));
        assertThat(r.rssGrowthPercent()).isEqualTo(3.0);
        assertThat(r.rssPeakGrowthPercent()).isEqualTo(8.0);
        List<Figure> figures = BenchCommand.Memory.figures(r);
        assertThat(figures)
                .extracting(Figure::figure)
                .containsExactly(
                        "rss_warm",
                        "rss_end",
                        "rss_growth",
                        "rss_peak_growth",
                        "rss_outside_jvm_growth",
                        "live_managers_growth",
                        "malloc_in_use_growth",
                        "malloc_free_growth");
        assertThat(figures.get(0).workload()).isEqualTo("tasks-100-to-1000");
        assertThat(figures.get(4).median()).isEqualTo(10.0);
        assertThat(figures.get(6).median()).isEqualTo(2.0);
        assertThat(figures.get(7).median()).isEqualTo(25.0);
    }

    @Test
    void minibatchesCycleThroughTheImagesInOrder() {
        assertThat(InnerLoopBench.rows(0, 128, 10_000)).startsWith(0, 1, 2).endsWith(127);
        int[] wrap = InnerLoopBench.rows(78, 128, 10_000);
        assertThat(wrap[0]).isEqualTo(9984);
        assertThat(wrap[15]).isEqualTo(9999);
        assertThat(wrap[16]).isEqualTo(0);
        assertThat(wrap[127]).isEqualTo(111);
        assertThat(InnerLoopBench.rows(79, 128, 10_000)[0]).isEqualTo(112);
    }

    @Test
    void workloadNamesRoundTrip() {
        for (Workload w : Workload.values()) {
            assertThat(Workload.of(w.id())).isEqualTo(w);
        }
        assertThatThrownBy(() -> Workload.of("x")).hasMessageContaining("allowed");
    }

    /** The benchmark's fixed data: the first training images, in file order, standardised. */
    @Test
    void benchDataHoldsTheFirstTrainingImagesInFileOrder() {
        FashionMnist ds = Fixtures.dataset();
        TaskData data = BenchData.taskData(ds, 300, 16);
        assertThat(data.trainX()).hasSize(300 * FashionMnist.PIXELS);
        assertThat(data.valX()).hasSize(16 * FashionMnist.PIXELS);
        for (int i = 0; i < 300; i++) {
            assertThat(data.trainY()[i]).isEqualTo(ds.trainLabels()[i]);
        }
        int k = 299 * FashionMnist.PIXELS + 400;
        float expected =
                ((ds.trainPixels()[k] & 0xff) / 255f - TaskData.PIXEL_MEAN) / TaskData.PIXEL_STD;
        assertThat(data.trainX()[k]).isEqualTo(expected);
    }

    @Test
    void metaIterationDefaultsAndOptions() {
        BenchCommand.MetaIteration d = parsed("meta-iteration", BenchCommand.MetaIteration.class);
        assertThat(d.output.json).isFalse();
        assertThat(d.repeats).isEqualTo(5);
        assertThat(d.warmups).isEqualTo(2);
        assertThat(d.config.overrides).isEmpty();
        assertThat(d.config.conf).isNull();
        assertThat(d.config.confOr(MetaIterationBench.CONF_FILE)).isEqualTo("conf/quickstart.conf");
        BenchCommand.MetaIteration c =
                parsed(
                        "meta-iteration",
                        BenchCommand.MetaIteration.class,
                        "--json",
                        "--repeats",
                        "2",
                        "--warmups",
                        "1",
                        "--set",
                        "inner.steps=50");
        assertThat(c.output.json).isTrue();
        assertThat(c.repeats).isEqualTo(2);
        assertThat(c.warmups).isEqualTo(1);
        assertThat(c.config.overrides).containsExactly("inner.steps=50");
    }

    @Test
    void metaIterationRejectsBadCountsBeforeAnyWork() {
        StringWriter err = new StringWriter();
        assertThat(cli(new StringWriter(), err).execute("meta-iteration", "--repeats", "0"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--repeats must be at least 1; got 0");
        StringWriter err2 = new StringWriter();
        assertThat(cli(new StringWriter(), err2).execute("meta-iteration", "--warmups", "0"))
                .isEqualTo(2);
        assertThat(err2.toString()).contains("--warmups must be at least 1").contains("got 0");
        assertThat(
                        cli(new StringWriter(), new StringWriter())
                                .execute("meta-iteration", "--repeats", "many"))
                .isEqualTo(2);
    }

    @Test
    void metaIterationConfigIsQuickstartWithTheIterationsAndTheModesSwitch() {
        var vf =
                MetaIterationBench.config(
                        QUICKSTART,
                        MetaIterationBench.Mode.VALUE_FUNCTION,
                        "file:/tmp/p",
                        8,
                        List.of());
        var joint =
                MetaIterationBench.config(
                        QUICKSTART, MetaIterationBench.Mode.JOINT, "file:/tmp/p", 8, List.of());
        assertThat(vf.metaTrain().iterations()).isEqualTo(8);
        assertThat(vf.metaTrain().tasksPerIteration()).isEqualTo(8);
        assertThat(vf.learnedOptimizer().enabled()).isFalse();
        assertThat(joint.learnedOptimizer().enabled()).isTrue();
        assertThat(joint.pretrain().path()).isEqualTo("file:/tmp/p");
    }

    @Test
    void executorShareIsComputeOfBothPhasesSpreadOverTheCoresOverTheIterationWall() {
        // (6 + 3) s of task compute on 2 cores in a 5 s iteration: 90%.
        var s =
                new MetaIterationBench.Sample(
                        5.0, 2.0, 6.0, 0.5, 1.5, 3.0, 8.0, 9.5, 100, 54, 8, 2);
        assertThat(s.executorShare()).isEqualTo(90.0);
        assertThat(s.tasksBusyShare()).isEqualTo(95.0);
        // Tasks count only inside the window: 1-3 s and 2-9 s (clipped to 2-6) in [2, 6] s.
        assertThat(
                        MetaIterationBench.TaskTime.busyS(
                                List.of(new long[] {1_000, 3_000}, new long[] {2_000, 9_000}),
                                2_000,
                                6_000))
                .isEqualTo(5.0);
        ThreadCpu.Split cpu =
                ThreadCpu.difference(
                        new ThreadCpu.Sample(1_000, cpuS(1, 1, 1, 1, 1, 1)),
                        new ThreadCpu.Sample(6_000, cpuS(9, 1.5, 1.5, 1, 1, 1.5)));
        List<Figure> f =
                MetaIterationBench.figures(
                        MetaIterationBench.Mode.JOINT,
                        new MetaIterationBench.Result(List.of(s, s), cpu, 2));
        assertThat(median(f, "executor_share_of_iteration")).isEqualTo(90.0);
        assertThat(median(f, "tasks_busy_share_of_iteration")).isEqualTo(95.0);
        assertThat(median(f, "tasks_busy_share_of_span")).isEqualTo(95.0);
        // 8 of 10 core-seconds on task threads, 0.5 each on driver, JIT and other, none idle.
        assertThat(median(f, "cpu_executor_tasks_pct")).isEqualTo(80.0);
        assertThat(median(f, "cpu_driver_main_pct")).isEqualTo(5.0);
        assertThat(median(f, "cpu_jit_pct")).isEqualTo(5.0);
        assertThat(median(f, "cpu_gc_pct")).isZero();
        assertThat(median(f, "cpu_idle_pct")).isCloseTo(5.0, within(1e-9));
        assertThat(f).allSatisfy(x -> assertThat(x.bench()).isEqualTo("meta-iteration"));
    }

    @Test
    void threadKindsFollowTheNamesLinuxShows() {
        assertThat(ThreadCpu.kind("Executor task l")).isEqualTo("executor_tasks");
        assertThat(ThreadCpu.kind("java")).isEqualTo("driver_main");
        assertThat(ThreadCpu.kind("C2 CompilerThre")).isEqualTo("jit");
        assertThat(ThreadCpu.kind("C1 CompilerThre")).isEqualTo("jit");
        assertThat(ThreadCpu.kind("GC Thread#0")).isEqualTo("gc");
        assertThat(ThreadCpu.kind("G1 Conc#0")).isEqualTo("gc");
        assertThat(ThreadCpu.kind("metricopt-run-w")).isEqualTo("log_writer");
        assertThat(ThreadCpu.kind("dag-scheduler-e")).isEqualTo("other");
        ThreadCpu.Sample now = ThreadCpu.sample();
        assertThat(now.cpuS()).containsOnlyKeys(ThreadCpu.KINDS);
        assertThat(now.cpuS().get("driver_main") + now.cpuS().get("other")).isPositive();
        assertThat(MetaIterationBench.TaskTime.iterationOf("metricopt-iter-000012-phase-b"))
                .isEqualTo(12L);
        assertThat(MetaIterationBench.TaskTime.iterationOf("finetune")).isNull();
    }

    private static java.util.Map<String, Double> cpuS(double... perKind) {
        java.util.Map<String, Double> m = new java.util.TreeMap<>();
        for (int i = 0; i < perKind.length; i++) {
            m.put(ThreadCpu.KINDS.get(i), perKind[i]);
        }
        return m;
    }

    private static double median(List<Figure> figures, String name) {
        return figures.stream()
                .filter(x -> x.figure().equals(name))
                .findFirst()
                .orElseThrow()
                .median();
    }

    @Test
    void scalingDefaultsAndOptions() {
        BenchCommand.Scaling d = parsed("scaling", BenchCommand.Scaling.class);
        assertThat(d.output.json).isFalse();
        assertThat(d.tasks).isEqualTo(24);
        assertThat(d.warmupTasks).isEqualTo(48);
        assertThat(d.local2First).isFalse();
        assertThat(d.repeats).isEqualTo(3);
        assertThat(d.config.confOr(ScalingBench.CONF_FILE)).isEqualTo("conf/quickstart.conf");
        BenchCommand.Scaling c =
                parsed(
                        "scaling",
                        BenchCommand.Scaling.class,
                        "--json",
                        "--local2-first",
                        "--tasks",
                        "12",
                        "--warmup-tasks",
                        "2",
                        "--repeats",
                        "1",
                        "--set",
                        "inner.steps=20");
        assertThat(c.output.json).isTrue();
        assertThat(c.tasks).isEqualTo(12);
        assertThat(c.local2First).isTrue();
        assertThat(c.warmupTasks).isEqualTo(2);
        assertThat(c.repeats).isEqualTo(1);
        assertThat(c.config.overrides).containsExactly("inner.steps=20");
    }

    @Test
    void scalingRejectsBadCountsBeforeAnyWork() {
        StringWriter err = new StringWriter();
        assertThat(cli(new StringWriter(), err).execute("scaling", "--tasks", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("must be at least 1");
        StringWriter err2 = new StringWriter();
        assertThat(cli(new StringWriter(), err2).execute("scaling", "--master", "yarn"))
                .isEqualTo(2);
        assertThat(err2.toString()).contains("--master yarn", "spark://HOST:PORT");
    }

    @Test
    void scalingConfigSetsTheMasterAndTheStepsAndFiguresGiveTheRatio() {
        var c = ScalingBench.config(QUICKSTART, "local[2]", "file:/tmp/p", List.of());
        assertThat(c.spark().master()).isEqualTo("local[2]");
        assertThat(c.inner().steps()).isEqualTo(100);
        assertThat(
                        ScalingBench.config(
                                        QUICKSTART, "spark://127.0.0.1:7077", "file:/p", List.of())
                                .spark()
                                .master())
                .isEqualTo("spark://127.0.0.1:7077");
        assertThat(
                        BenchCommand.Scaling.figures(
                                "standalone", 24, new double[] {1}, new double[] {2}))
                .extracting(Figure::figure)
                .containsExactly(
                        "standalone1_tasks_per_s",
                        "standalone2_tasks_per_s",
                        "standalone2_over_standalone1");
        List<Figure> f =
                BenchCommand.Scaling.figures("local", 24, new double[] {2, 4}, new double[] {3, 6});
        assertThat(f)
                .extracting(Figure::figure)
                .containsExactly("local1_tasks_per_s", "local2_tasks_per_s", "local2_over_local1");
        assertThat(f.get(2).samples()).containsExactly(1.5, 1.5);
        assertThat(f.get(0).workload()).isEqualTo("finetune-24-tasks");
    }

    /** A small driver-scale run (2 and 4 tasks, 2 pairs) with {@code extra} options. */
    private static int driverScale(StringWriter out, String... extra) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "driver-scale",
                                "--json",
                                "--tasks",
                                "2,4",
                                "--pairs",
                                "2",
                                "--repeats",
                                "1",
                                "--set",
                                "inner.steps=20",
                                "--set",
                                "value-function.adapt-steps=2"));
        args.addAll(List.of(extra));
        return cli(out, new StringWriter()).execute(args.toArray(String[]::new));
    }

    @Test
    void driverScaleTimesTheLearnerAndProjectsTheDriversShare() throws Exception {
        StringWriter out = new StringWriter();
        int code = driverScale(out, "--warmups", "1", "--executors", "10");
        assertThat(code).as(out.toString()).isZero();
        List<String> lines = out.toString().lines().toList();
        // Three figures per point (2 points), then the four figures of the projection.
        assertThat(lines).hasSize(10);
        com.fasterxml.jackson.databind.ObjectMapper json =
                new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : lines.subList(0, 6)) {
            assertThat(json.readTree(line).get("median").asDouble()).as(line).isPositive();
        }
        assertThat(json.readTree(lines.get(2)).get("figure").asText())
                .isEqualTo("executor_adapt_per_task_s");
        var share = json.readTree(lines.get(9));
        assertThat(share.get("figure").asText()).isEqualTo("projected_driver_share");
        assertThat(share.get("workload").asText()).isEqualTo("10x2");
        assertThat(share.get("median").asDouble()).isStrictlyBetween(0.0, 1.0);
        // Adapting on the driver: no executor adaptation, the step does it.
        StringWriter onDriver = new StringWriter();
        assertThat(driverScale(onDriver, "--warmups", "0", "--set", "meta-train.adapt-on=driver"))
                .isZero();
        assertThat(
                        json.readTree(onDriver.toString().lines().toList().get(2))
                                .get("median")
                                .asDouble())
                .isZero();
        StringWriter err = new StringWriter();
        assertThat(cli(new StringWriter(), err).execute("driver-scale", "--tasks", "8"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("--tasks needs at least two");
    }
}
