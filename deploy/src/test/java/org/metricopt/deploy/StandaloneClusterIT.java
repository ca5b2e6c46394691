package org.metricopt.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A joint meta-training run (value function and learned optimizer) submitted through SparkSubmit to
 * a real standalone cluster (a Master and two Workers, each its own JVM, executors in their own
 * JVMs) gives the same checkpoint, byte for byte, as the same run in local mode.
 */
class StandaloneClusterIT {
    private static final Path ROOT = Processes.ROOT;
    private static final String PORT = "17077";

    private static int exec(Path log, Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        return Processes.exec(log, env, 8, List.of(command));
    }

    @Test
    void clusterRunEqualsLocalRunBitForBit(@TempDir Path tmp) throws Exception {
        Path conf = tmp.resolve("tiny.conf");
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
                        "pretrain { epochs = 1, path = \"" + tmp.resolve("theta").toUri() + "\" }",
                        ""));
        Map<String, String> env =
                Map.of(
                        "METRICOPT_MASTER_PORT",
                        PORT,
                        "METRICOPT_CLUSTER_DIR",
                        tmp.resolve("cluster").toString());
        String script = ROOT.resolve("deploy/bin/local-cluster").toString();
        try {
            assertThat(exec(tmp.resolve("start.log"), env, "bash", script, "start", "2", "1"))
                    .as(Files.readString(tmp.resolve("start.log")))
                    .isZero();
            Path clusterRun = tmp.resolve("cluster-run");
            int rc =
                    exec(
                            tmp.resolve("submit.log"),
                            env,
                            "bash",
                            script,
                            "submit",
                            "meta-train",
                            "--conf",
                            conf.toString(),
                            "--run-dir",
                            clusterRun.toString());
            assertThat(rc).as(Files.readString(tmp.resolve("submit.log"))).isZero();
            String executors = Files.readString(tmp.resolve("submit.log"));
            assertThat(executors).doesNotContain("metricopt: error");

            Path localRun = tmp.resolve("local-run");
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
            rc = exec(tmp.resolve("local.log"), Map.of(), local.toArray(String[]::new));
            assertThat(rc).as(Files.readString(tmp.resolve("local.log"))).isZero();

            // The same run again, with one executor JVM killed once the first checkpoint exists:
            // Spark reruns its tasks elsewhere and the result must not change.
            Path faultRun = tmp.resolve("fault-run");
            ProcessBuilder pb =
                    new ProcessBuilder(
                                    "bash",
                                    script,
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
                                            h ->
                                                    h.info()
                                                            .commandLine()
                                                            .orElse("")
                                                            .contains(
                                                                    "CoarseGrainedExecutorBackend"))
                                    .findFirst()
                                    .map(ProcessHandle::destroyForcibly)
                                    .orElse(false);
                }
                Thread.sleep(100);
            }
            assertThat(fault.waitFor(8, TimeUnit.MINUTES)).isTrue();
            assertThat(fault.exitValue()).as(Files.readString(tmp.resolve("fault.log"))).isZero();
            assertThat(killed).as("an executor JVM was killed mid-run").isTrue();
            byte[] afterFault =
                    Files.readAllBytes(faultRun.resolve("checkpoints/iter-000003/state.bin"));
            assertThat(afterFault)
                    .isEqualTo(
                            Files.readAllBytes(
                                    localRun.resolve("checkpoints/iter-000003/state.bin")));

            for (String it : List.of("iter-000001", "iter-000002", "iter-000003")) {
                byte[] fromCluster =
                        Files.readAllBytes(clusterRun.resolve("checkpoints/" + it + "/state.bin"));
                byte[] fromLocal =
                        Files.readAllBytes(localRun.resolve("checkpoints/" + it + "/state.bin"));
                assertThat(fromCluster).as(it).isEqualTo(fromLocal);
            }
            // Executors really ran in the Workers' own JVMs.
            try (var files = Files.walk(tmp.resolve("cluster").resolve("work"))) {
                assertThat(files.anyMatch(f -> f.getFileName().toString().equals("stderr")))
                        .isTrue();
            }
        } finally {
            exec(tmp.resolve("stop.log"), env, "bash", script, "stop");
        }
    }
}
