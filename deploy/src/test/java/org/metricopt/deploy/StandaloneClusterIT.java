package org.metricopt.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * killed mid-run.
 */
class StandaloneClusterIT {
    private static final Path ROOT = Processes.ROOT;
    private static final String SCRIPT = ROOT.resolve("deploy/bin/local-cluster").toString();
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
        String netns = "mo-it-" + ProcessHandle.current().pid();
        Map<String, String> env = new HashMap<>();
        env.put("METRICOPT_MASTER_PORT", "17277");
        env.put("METRICOPT_CLUSTER_DIR", tmp.resolve("cluster").toString());
        env.put("METRICOPT_NETNS_NAME", netns);
        env.put("METRICOPT_NETNS_VETH", "mo" + (ProcessHandle.current().pid() % 100000));
        env.put("METRICOPT_NETNS_HOST_IP", "10.231.7.1");
        env.put("METRICOPT_NETNS_REMOTE_IP", "10.231.7.2");
        env.put("METRICOPT_CLUSTER_HOST", "10.231.7.1");
        env.put("METRICOPT_REMOTE_NETNS", netns);
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
}
