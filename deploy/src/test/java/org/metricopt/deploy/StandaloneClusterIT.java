package org.metricopt.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A joint meta-training run (value function and learned optimizer) submitted through SparkSubmit to
 * a real standalone cluster (a Master and Workers, each its own JVM, executors in their own JVMs)
 * gives the same checkpoints, byte for byte, as the same run in local mode: on the loopback cluster
 * of {@code deploy/bin/local-cluster}, and on a cluster with a second host (a Worker in its own
 * network namespace, reachable only through a veth pair), also when that remote host's executor is
 * killed mid-run. On the two-host cluster a notebook's cells, too, run on the executors of both
 * hosts, with a lambda and a class they define.
 */
class StandaloneClusterIT {
    private static final Path ROOT = Processes.ROOT;
    private static final String SCRIPT = ROOT.resolve("deploy/bin/local-cluster").toString();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ITERATIONS =
            List.of("iter-000001", "iter-000002", "iter-000003");

    @TempDir static Path shared;
    private static Path conf;
    private static Path localRun;

    private static int exec(Path log, Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        return Processes.exec(log, env, 8, List.of(command));
    }

    /** The reference: the same meta-training in local mode, in this JVM's own child JVM. */
    @BeforeAll
    static void localModeRun() throws Exception {
        conf = shared.resolve("tiny.conf");
        Files.writeString(
                conf,
                String.join(
                        "\n",
                        "tasks { train-size = 200, val-size = 100, test-size = 100 }",
                        "inner { steps = 10, batch-size = 16 }",
                        "meta-train { iterations = 3, tasks-per-iteration = 4, checkpoint-every = 1 }",
                        "value-function.hidden = 8",
                        // Joint meta-training: phase A, Reptile and the ES pairs of phase B all
                        // run on the cluster and must match local mode bit for bit.
                        "learned-optimizer { enabled = true, hidden = 4, pairs-per-task = 1 }",
                        "data.pretrain-count = 2000",
                        "pretrain { epochs = 1, path = \""
                                + shared.resolve("theta").toUri()
                                + "\" }",
                        ""));
        localRun = shared.resolve("local-run");
        List<String> local = new ArrayList<>();
        local.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        local.addAll(List.of(System.getProperty("metricopt.addOpens", "").split(" ")));
        local.removeIf(String::isBlank);
        local.add("-cp");
        local.add(
                ROOT.resolve("deploy/target/metricopt-app.jar")
                        + File.pathSeparator
                        + ROOT.resolve("deploy/target/spark-jars")
                        + File.separator
                        + "*");
        local.addAll(
                List.of(
                        "org.metricopt.driver.cli.MetricOptMain",
                        "meta-train",
                        "--conf",
                        conf.toString(),
                        "--set",
                        "spark.master=local[2]",
                        "--run-dir",
                        localRun.toString()));
        int rc = exec(shared.resolve("local.log"), Map.of(), local.toArray(String[]::new));
        assertThat(rc).as(Files.readString(shared.resolve("local.log"))).isZero();
    }

    private static void assertSameCheckpointsAsLocal(Path run) throws IOException {
        for (String it : ITERATIONS) {
            byte[] fromCluster =
                    Files.readAllBytes(run.resolve("checkpoints/" + it + "/state.bin"));
            byte[] fromLocal =
                    Files.readAllBytes(localRun.resolve("checkpoints/" + it + "/state.bin"));
            assertThat(fromCluster).as(run + " " + it).isEqualTo(fromLocal);
        }
    }

    private static int submit(Path log, Map<String, String> env, Path run)
            throws IOException, InterruptedException {
        return exec(
                log,
                env,
                "bash",
                SCRIPT,
                "submit",
                "meta-train",
                "--conf",
                conf.toString(),
                "--run-dir",
                run.toString());
    }

    /** How many tasks the executors under a Worker's work directory finished. */
    private static long finishedTasks(Path workDir) throws IOException {
        long n = 0;
        try (Stream<Path> files = Files.walk(workDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                n +=
                        Files.readAllLines(f).stream()
                                .filter(l -> l.contains("Finished task"))
                                .count();
            }
        }
        return n;
    }

    /**
     * local-cluster's environment for a two-host cluster: the Master, one Worker and the driver on
     * {@code SUBNET.1}, a second Worker in a network namespace (named after {@code tag} and this
     * JVM) at {@code SUBNET.2}.
     */
    private static Map<String, String> twoHostEnv(Path tmp, String tag, String subnet, int port) {
        long pid = ProcessHandle.current().pid();
        String netns = tag + "-it-" + pid;
        Map<String, String> env = new HashMap<>();
        env.put("METRICOPT_MASTER_PORT", Integer.toString(port));
        env.put("METRICOPT_CLUSTER_DIR", tmp.resolve("cluster").toString());
        env.put("METRICOPT_NETNS_NAME", netns);
        env.put("METRICOPT_NETNS_VETH", tag + (pid % 100000));
        env.put("METRICOPT_NETNS_HOST_IP", subnet + ".1");
        env.put("METRICOPT_NETNS_REMOTE_IP", subnet + ".2");
        env.put("METRICOPT_CLUSTER_HOST", subnet + ".1");
        env.put("METRICOPT_REMOTE_NETNS", netns);
        return env;
    }

    /** Makes the second host's namespace, or skips the test saying why it cannot. */
    private static void assumeNetnsUp(Path tmp, Map<String, String> env)
            throws IOException, InterruptedException {
        int up = exec(tmp.resolve("netns.log"), env, "bash", SCRIPT, "netns-up");
        Assumptions.assumeTrue(
                up == 0,
                () -> {
                    try {
                        return "no network namespace for the second host: "
                                + Files.readString(tmp.resolve("netns.log")).strip();
                    } catch (IOException e) {
                        return "no network namespace for the second host";
                    }
                });
    }

    @Test
    void loopbackClusterRunEqualsLocalRunBitForBit(@TempDir Path tmp) throws Exception {
        Map<String, String> env =
                Map.of(
                        "METRICOPT_MASTER_PORT",
                        "17077",
                        "METRICOPT_CLUSTER_DIR",
                        tmp.resolve("cluster").toString());
        try {
            assertThat(exec(tmp.resolve("start.log"), env, "bash", SCRIPT, "start", "2", "1"))
                    .as(Files.readString(tmp.resolve("start.log")))
                    .isZero();
            Path clusterRun = tmp.resolve("cluster-run");
            int rc = submit(tmp.resolve("submit.log"), env, clusterRun);
            assertThat(rc).as(Files.readString(tmp.resolve("submit.log"))).isZero();
            assertThat(Files.readString(tmp.resolve("submit.log")))
                    .doesNotContain("metricopt: error");
            assertSameCheckpointsAsLocal(clusterRun);
            // Executors really ran in the Workers' own JVMs.
            assertThat(finishedTasks(tmp.resolve("cluster").resolve("work"))).isPositive();
        } finally {
            exec(tmp.resolve("stop.log"), env, "bash", SCRIPT, "stop");
        }
    }

    /**
     * The driver, the Master and one Worker on this host's veth address, a second Worker inside a
     * network namespace with its own address and loopback: the remote executors must reach the
     * driver at its routable address (a driver forced to 127.0.0.1 would leave them retrying for
     * ever while the co-located Worker did all the work). Skipped, saying why, only where the
     * kernel or the user's rights refuse a network namespace.
     */
    @Test
    void twoHostClusterRunsOnBothHostsAndSurvivesLosingTheRemoteExecutor(@TempDir Path tmp)
            throws Exception {
        Map<String, String> env = twoHostEnv(tmp, "mo", "10.231.7", 17277);
        assumeNetnsUp(tmp, env);
        try {
            assertThat(exec(tmp.resolve("start.log"), env, "bash", SCRIPT, "start", "1", "1"))
                    .as(Files.readString(tmp.resolve("start.log")))
                    .isZero();
            Path work = tmp.resolve("cluster").resolve("work");

            Path clusterRun = tmp.resolve("cluster-run");
            int rc = submit(tmp.resolve("submit.log"), env, clusterRun);
            String log = Files.readString(tmp.resolve("submit.log"));
            assertThat(rc).as(log).isZero();
            assertThat(log).doesNotContain("metricopt: error");
            assertSameCheckpointsAsLocal(clusterRun);
            assertThat(finishedTasks(work.resolve("worker-1")))
                    .as("tasks on this host")
                    .isPositive();
            assertThat(finishedTasks(work.resolve("remote-1")))
                    .as("tasks on the second host")
                    .isPositive();

            // The same run again, with the second host's executor JVM killed once the first
            // checkpoint exists: Spark reruns its tasks and the result must not change.
            Path faultRun = tmp.resolve("fault-run");
            ProcessBuilder pb =
                    new ProcessBuilder(
                                    "bash",
                                    SCRIPT,
                                    "submit",
                                    "meta-train",
                                    "--conf",
                                    conf.toString(),
                                    "--run-dir",
                                    faultRun.toString())
                            .directory(ROOT.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(tmp.resolve("fault.log").toFile());
            pb.environment().putAll(env);
            Process fault = pb.start();
            boolean killed = false;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (fault.isAlive() && !killed && System.nanoTime() < deadline) {
                if (Files.exists(faultRun.resolve("checkpoints/iter-000001/_COMPLETE"))) {
                    killed =
                            ProcessHandle.allProcesses()
                                    .filter(
                                            h -> {
                                                String c = h.info().commandLine().orElse("");
                                                return c.contains("CoarseGrainedExecutorBackend")
                                                        && c.contains("--hostname 10.231.7.2");
                                            })
                                    .findFirst()
                                    .map(ProcessHandle::destroyForcibly)
                                    .orElse(false);
                }
                Thread.sleep(100);
            }
            assertThat(fault.waitFor(8, TimeUnit.MINUTES)).isTrue();
            assertThat(fault.exitValue()).as(Files.readString(tmp.resolve("fault.log"))).isZero();
            assertThat(killed).as("the second host's executor JVM was killed mid-run").isTrue();
            assertSameCheckpointsAsLocal(faultRun);
        } finally {
            exec(tmp.resolve("stop.log"), env, "bash", SCRIPT, "stop");
            exec(tmp.resolve("netns-down.log"), env, "bash", SCRIPT, "netns-down");
        }
    }

    /** The cells of the notebook test: JShell compiles a lambda and a class the executors need. */
    private static final List<String> CELLS =
            List.of(
                    String.join(
                            "\n",
                            "import org.apache.spark.api.java.function.*;",
                            "var spark = MetricOpt.session();",
                            "var sc = spark.sparkContext();",
                            // Both hosts' executors (and the driver) before the first job, so the
                            // scheduler's first round gives each a task.
                            "for (long end = System.currentTimeMillis() + 60_000;",
                            "        sc.statusTracker().getExecutorInfos().length < 3",
                            "                && System.currentTimeMillis() < end; ) {",
                            "    Thread.sleep(100);",
                            "}",
                            "sc.statusTracker().getExecutorInfos().length"),
                    "spark.range(0, 1000, 1, 4)\n"
                            + "    .map((MapFunction<Long, Long>) x -> x * 2, Encoders.LONG())\n"
                            + "    .reduce((ReduceFunction<Long>) Long::sum)",
                    "class Tripler implements MapFunction<Long, Long> {\n"
                            + "    public Long call(Long x) { return 3 * x; }\n"
                            + "}",
                    "spark.range(0, 1000, 1, 4)\n"
                            + "    .map(new Tripler(), Encoders.LONG())\n"
                            + "    .reduce((ReduceFunction<Long>) Long::sum)",
                    "sc.applicationId()");

    /**
     * A notebook on the two-host cluster: the MetricOpt kernel, driven by a real Jupyter client
     * ({@code deploy/notebooks/execute.py}) and attached to the cluster by its kernelspec, runs
     * Dataset jobs with a lambda and a class defined in its cells. Those classes exist only in the
     * kernel's JShell; the executors of both hosts must load them from the kernel, and the jobs
     * must return the right sums. Skipped, saying why, without a network namespace or without
     * nbclient.
     */
    @Test
    void twoHostClusterRunsANotebooksCellDefinedLambdaAndClassOnBothHosts(@TempDir Path tmp)
            throws Exception {
        String python = Processes.requireJupyterPython(tmp.resolve("python-check.log"));
        Map<String, String> env = twoHostEnv(tmp, "mn", "10.231.8", 17377);
        String host = env.get("METRICOPT_CLUSTER_HOST");
        assumeNetnsUp(tmp, env);
        try {
            assertThat(exec(tmp.resolve("start.log"), env, "bash", SCRIPT, "start", "1", "1"))
                    .as(Files.readString(tmp.resolve("start.log")))
                    .isZero();
            Map<String, String> kernelEnv = new HashMap<>(env);
            // The kernel JVM's heap, and the jar that verify has just packaged as it is.
            kernelEnv.put("METRICOPT_JAVA_OPTS", "-Xmx1g");
            kernelEnv.put("METRICOPT_NO_BUILD", "1");
            Path prefix = tmp.resolve("jupyter");
            assertThat(
                            exec(
                                    tmp.resolve("install.log"),
                                    kernelEnv,
                                    "bash",
                                    ROOT.resolve("deploy/bin/metricopt").toString(),
                                    "jupyter",
                                    "install",
                                    "--prefix",
                                    prefix.toString(),
                                    "--master",
                                    "spark://" + host + ":" + env.get("METRICOPT_MASTER_PORT")))
                    .as(Files.readString(tmp.resolve("install.log")))
                    .isZero();

            Path notebook = tmp.resolve("cells.ipynb");
            JSON.writeValue(notebook.toFile(), notebook(CELLS));
            Path executed = tmp.resolve("cells-executed.ipynb");
            // The driver binds to and advertises the cluster host's address, as spark-submit's
            // does on a real node: executors in the namespace fetch the cells' classes from it.
            kernelEnv.put("SPARK_LOCAL_IP", host);
            kernelEnv.put("JUPYTER_PATH", prefix.resolve("share/jupyter").toString());
            kernelEnv.put("JUPYTER_RUNTIME_DIR", tmp.resolve("runtime").toString());
            long start = System.nanoTime();
            int rc =
                    exec(
                            tmp.resolve("execute.log"),
                            kernelEnv,
                            python,
                            ROOT.resolve("deploy/notebooks/execute.py").toString(),
                            notebook.toString(),
                            executed.toString(),
                            "--kernel",
                            "metricopt",
                            "--cwd",
                            tmp.toString(),
                            "--timeout",
                            "180");
            assertThat(rc).as(Files.readString(tmp.resolve("execute.log"))).isZero();
            System.out.printf(
                    "the cells ran in %.1f s on the two-host cluster%n",
                    (System.nanoTime() - start) / 1e9);

            List<String> values = results(JSON.readTree(executed.toFile()));
            assertThat(values).hasSize(CELLS.size());
            assertThat(values.get(0)).as("executors of both hosts, and the driver").isEqualTo("3");
            assertThat(values.get(1)).as("sum of 2x over 0..999").isEqualTo("999000");
            assertThat(values.get(2)).as("a class declaration has no value").isEmpty();
            assertThat(values.get(3)).as("sum of 3x over 0..999").isEqualTo("1498500");
            String app = values.get(4).replace("\"", "").strip();
            assertThat(app).startsWith("app-");

            Path work = tmp.resolve("cluster").resolve("work");
            assertThat(finishedTasks(work.resolve("worker-1").resolve(app)))
                    .as("tasks on this host")
                    .isPositive();
            Path remote = work.resolve("remote-1").resolve(app);
            assertThat(finishedTasks(remote)).as("tasks on the second host").isPositive();
            assertThat(stderrOf(remote))
                    .as("the second host's executor loads the cells' classes from the kernel")
                    .containsPattern(
                            Pattern.compile(
                                    "Using REPL class URI: spark://"
                                            + Pattern.quote(host)
                                            + ":\\d+/classes$",
                                    Pattern.MULTILINE));
        } finally {
            exec(tmp.resolve("stop.log"), env, "bash", SCRIPT, "stop");
            exec(tmp.resolve("netns-down.log"), env, "bash", SCRIPT, "netns-down");
        }
    }

    /** A notebook of code cells for the MetricOpt kernel, not yet run. */
    private static ObjectNode notebook(List<String> cells) {
        ObjectNode nb = JSON.createObjectNode();
        ArrayNode array = nb.putArray("cells");
        for (String source : cells) {
            ObjectNode cell = array.addObject();
            cell.put("cell_type", "code");
            cell.putNull("execution_count");
            cell.putObject("metadata");
            cell.putArray("outputs");
            cell.put("source", source);
        }
        ObjectNode kernelspec = nb.putObject("metadata").putObject("kernelspec");
        kernelspec.put("name", "metricopt");
        kernelspec.put("display_name", "MetricOpt");
        kernelspec.put("language", "java");
        nb.put("nbformat", 4);
        nb.put("nbformat_minor", 4);
        return nb;
    }

    /** Each code cell's value as text/plain, or an empty string for a cell without one. */
    private static List<String> results(JsonNode nb) {
        List<String> values = new ArrayList<>();
        for (JsonNode cell : nb.get("cells")) {
            StringBuilder value = new StringBuilder();
            for (JsonNode out : cell.path("outputs")) {
                if ("execute_result".equals(out.path("output_type").asText())) {
                    JsonNode text = out.path("data").path("text/plain");
                    if (text.isArray()) {
                        text.forEach(t -> value.append(t.asText()));
                    } else {
                        value.append(text.asText());
                    }
                }
            }
            values.add(value.toString().strip());
        }
        return values;
    }

    /** The executors' stderr under a Worker's directory of one application, joined. */
    private static String stderrOf(Path appDir) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(appDir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
                all.append(Files.readString(f));
            }
        }
        return all.toString();
    }
}
