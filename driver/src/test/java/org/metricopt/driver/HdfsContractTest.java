package org.metricopt.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.nets.Theta;
import org.metricopt.common.outer.MetaLearner;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.testing.Fixtures;
import org.metricopt.driver.meta.Checkpoints;
import org.metricopt.driver.meta.MetaTrainJob;
import org.metricopt.executor.ExecutorResources;
import org.metricopt.executor.SparkTestBase;

/**
 * The run-directory contract of docs/DESIGN.md section 6 on a real HDFS ({@link MiniDFSCluster},
 * one NameNode and one DataNode on 127.0.0.1): the dataset is read from {@code hdfs://} by the
 * executors, theta, the run directory, its checkpoints and its Parquet logs live on {@code
 * hdfs://}, a run resumes from its HDFS checkpoint to the same final state, bit for bit, as an
 * uninterrupted run, and a missing dataset file is reported by its {@code hdfs://} path.
 */
class HdfsContractTest {
    private static final String[] DATA_FILES = {
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz"
    };

    @TempDir static java.nio.file.Path tmp;

    private static MiniDFSCluster cluster;
    private static String hdfs;
    private static SparkSession spark;

    @BeforeAll
    static void startClusterAndSpark() throws IOException {
        ExecutorResources.clear();
        Configuration conf = new Configuration();
        File base = tmp.resolve("minidfs").toFile();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getAbsolutePath());
        conf.setInt("dfs.replication", 1);
        conf.setBoolean("dfs.webhdfs.enabled", false);
        conf.setBoolean("dfs.permissions.enabled", false);
        cluster =
                new MiniDFSCluster.Builder(conf, base)
                        .numDataNodes(1)
                        .nameNodePort(0)
                        .nameNodeHttpPort(0)
                        .format(true)
                        .build();
        cluster.waitActive();
        hdfs = "hdfs://127.0.0.1:" + cluster.getNameNodePort();

        FileSystem fs = cluster.getFileSystem();
        for (String f : DATA_FILES) {
            Path local = new Path(new File(FashionMnist.DEFAULT_ROOT, f).toURI());
            fs.copyFromLocalFile(local, new Path(hdfs + "/data/" + f));
            if (!f.startsWith("train-labels")) {
                fs.copyFromLocalFile(local, new Path(hdfs + "/data-incomplete/" + f));
            }
        }

        spark =
                SparkSession.builder()
                        .config(
                                SparkTestBase.testConf("local[2]", "HdfsContractTest")
                                        .set("spark.hadoop.fs.defaultFS", hdfs)
                                        .set("spark.hadoop.dfs.replication", "1"))
                        .getOrCreate();
        MetricOptConfig config = config(hdfs + "/data", 1);
        Fixtures.randomTheta(config)
                .save(
                        spark.sparkContext().hadoopConfiguration(),
                        Theta.directory(hdfs + "/theta", config.network()));
    }

    @AfterAll
    static void stop() {
        try {
            if (spark != null) {
                spark.stop();
                SparkSession.clearActiveSession();
                SparkSession.clearDefaultSession();
            }
        } finally {
            ExecutorResources.clear();
            if (cluster != null) {
                cluster.shutdown();
            }
        }
    }

    private static MetricOptConfig config(String dataRoot, int iterations) {
        return Fixtures.smallConfig(
                "tasks.train-size=200",
                "tasks.val-size=100",
                "tasks.test-size=100",
                "inner.steps=10",
                "inner.batch-size=16",
                "meta-train.tasks-per-iteration=3",
                "meta-train.checkpoint-every=1",
                "value-function.hidden=8",
                // Joint meta-training: w_opt, its Adam state and the ES phase live on HDFS too.
                "learned-optimizer.enabled=true",
                "learned-optimizer.hidden=4",
                "learned-optimizer.pairs-per-task=1",
                "meta-train.iterations=" + iterations,
                "pretrain.path=\"" + hdfs + "/theta\"",
                "data.root=\"" + dataRoot + "\"");
    }

    @Test
    void runDirectoryCheckpointsAndResumeLiveOnHdfs() throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8);
        String data = hdfs + "/data";
        RunDirectory run = new RunDirectory(conf, hdfs + "/runs/a");
        assertThat(run.uri()).isEqualTo(hdfs + "/runs/a");

        run.writeRunJson("meta-train", config(data, 2), Map.of("test", "hdfs"));
        JsonNode runJson = run.readRunJson();
        assertThat(runJson.path("config").path("data").path("root").asText()).isEqualTo(data);

        MetaState two = MetaTrainJob.run(spark, config(data, 2), run, false, out);
        assertThat(two.iteration()).isEqualTo(2);
        FileSystem fs = FileSystem.get(java.net.URI.create(hdfs), conf);
        for (int it = 1; it <= 2; it++) {
            String dir = Checkpoints.directory(run.uri(), it);
            assertThat(dir).startsWith("hdfs://");
            assertThat(fs.isFile(new Path(dir + "/" + Checkpoints.STATE))).as(dir).isTrue();
            assertThat(fs.isFile(new Path(dir + "/" + Checkpoints.COMPLETE))).as(dir).isTrue();
            assertThat(Checkpoints.read(conf, dir).iteration()).isEqualTo(it);
        }
        assertThat(Checkpoints.latest(conf, run.uri()).orElseThrow().iteration()).isEqualTo(2);
        assertThat(iterations(run)).containsExactly(0L, 1L);
        assertNoTemporaryFiles(fs, run);

        // A second call without --resume must not touch the run.
        assertThatThrownBy(() -> MetaTrainJob.run(spark, config(data, 3), run, false, out))
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> {
                            assertThat(e.errorClass()).isEqualTo(ErrorClass.RUN_DIR_CONFLICT);
                            assertThat(e.getMessage()).contains(run.uri());
                        });

        MetaState resumed = MetaTrainJob.run(spark, config(data, 3), run, true, out);
        assertThat(resumed.iteration()).isEqualTo(3);
        assertThat(log.toString(StandardCharsets.UTF_8))
                .contains("resuming meta-training at iteration 2 of 3");
        assertThat(iterations(run)).containsExactly(0L, 1L, 2L);
        assertThat(spark.read().parquet(run.path("trajectories")).count())
                .as("(steps + 1) x tasks rows per iteration, each iteration once")
                .isEqualTo(3L * 11 * 3);
        assertNoTemporaryFiles(fs, run);

        // The same three iterations uninterrupted, on local disk, with the data still on HDFS.
        RunDirectory local = new RunDirectory(conf, tmp.resolve("local-run").toUri().toString());
        assertThat(local.uri()).startsWith("file:");
        MetaState fresh = MetaTrainJob.run(spark, config(data, 3), local, false, out);
        assertThat(fresh.iteration()).isEqualTo(3);

        MetaState onHdfs = Checkpoints.latest(conf, run.uri()).orElseThrow();
        MetaState onDisk = Checkpoints.latest(conf, local.uri()).orElseThrow();
        assertThat(onHdfs.iteration()).isEqualTo(3);
        assertThat(onDisk.iteration()).isEqualTo(3);
        float[] w = onDisk.array(MetaState.VALUE_WEIGHTS);
        assertThat(onHdfs.array(MetaState.VALUE_WEIGHTS)).containsExactly(w);
        assertThat(onHdfs.array(MetaState.SCALER_MEAN))
                .containsExactly(onDisk.array(MetaState.SCALER_MEAN));
        assertThat(onHdfs.array(MetaState.SCALER_STD))
                .containsExactly(onDisk.array(MetaState.SCALER_STD));
        assertThat(onHdfs.array(MetaState.LEARNED_WEIGHTS))
                .containsExactly(onDisk.array(MetaState.LEARNED_WEIGHTS));
        assertThat(onHdfs.array(MetaState.LEARNED_ADAM_M))
                .containsExactly(onDisk.array(MetaState.LEARNED_ADAM_M));
        assertThat(w)
                .as("meta-training moved the weights")
                .isNotEqualTo(
                        MetaLearner.initialState(config(data, 3)).array(MetaState.VALUE_WEIGHTS));

        // metricopt export reads the run on HDFS and writes the export there, whole.
        String exportUri = hdfs + "/exports/a";
        org.metricopt.driver.export.ModelExport.Result exported =
                org.metricopt.driver.export.ModelExport.export(
                        conf, run.uri(), exportUri, false, "test", out);
        assertThat(exported.iteration()).isEqualTo(3);
        assertThat(exported.files())
                .contains("value_function.safetensors", "learned_optimizer.json");
        for (String file : exported.files()) {
            assertThat(fs.isFile(new Path(exportUri + "/" + file))).as(file).isTrue();
        }
        assertThat(fs.listStatus(new Path(hdfs + "/exports")))
                .as("no staging directory is left")
                .hasSize(1);
        byte[] vf =
                org.metricopt.common.io.HadoopFiles.read(
                        conf, exportUri + "/value_function.safetensors");
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDList t = ai.djl.ndarray.NDList.decode(m, vf);
            assertThat(t.get("scaler.mean").toFloatArray())
                    .containsExactly(onHdfs.array(MetaState.SCALER_MEAN));
        }
        assertThat(org.metricopt.driver.export.SafeTensors.metadata(vf).get("config_fingerprint"))
                .isEqualTo(onHdfs.configFingerprint());
    }

    @Test
    void aMissingDatasetFileOnHdfsIsReportedByItsPath() {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        String broken = hdfs + "/data-incomplete";
        String missing = broken + "/train-labels-idx1-ubyte.gz";

        assertThatThrownBy(() -> FashionMnist.load(conf, broken))
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> {
                            assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_DATASET);
                            assertThat(e.getMessage())
                                    .contains(missing)
                                    .contains("hadoop fs -put")
                                    .as("a Debian package does not put files on HDFS")
                                    .doesNotContain("apt-get");
                        });

        // The same error reaches the driver from the executors, which load the dataset there.
        RunDirectory run = new RunDirectory(conf, hdfs + "/runs/broken");
        PrintStream out =
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Throwable thrown =
                org.assertj.core.api.Assertions.catchThrowable(
                        () -> MetaTrainJob.run(spark, config(broken, 1), run, false, out));
        MetricOptException cause = metricOptCause(thrown);
        assertThat(cause).as("a MetricOptException in %s", thrown).isNotNull();
        assertThat(cause.errorClass()).isEqualTo(ErrorClass.INVALID_DATASET);
        assertThat(cause.getMessage()).contains(missing);
        assertThat(Checkpoints.latest(conf, run.uri())).isEmpty();
    }

    private static MetricOptException metricOptCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof MetricOptException m) {
                return m;
            }
        }
        return null;
    }

    /** The iterations logged in metrics/, read back from the run directory through Spark. */
    private static List<Long> iterations(RunDirectory run) {
        String metrics = run.path("metrics");
        assertThat(metrics).startsWith("hdfs://");
        List<Long> out = new ArrayList<>();
        for (Row r : spark.read().parquet(metrics).select("iteration").collectAsList()) {
            out.add(((Number) r.get(0)).longValue());
        }
        out.sort(null);
        return out;
    }

    /** Atomic writes leave nothing behind: no hidden or .tmp- files, no _temporary dirs. */
    private static void assertNoTemporaryFiles(FileSystem fs, RunDirectory run) throws IOException {
        List<String> checkpoints = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it =
                fs.listFiles(new Path(run.path("checkpoints")), true);
        while (it.hasNext()) {
            checkpoints.add(it.next().getPath().getName());
        }
        assertThat(checkpoints).isNotEmpty();
        assertThat(checkpoints)
                .allSatisfy(
                        name -> {
                            assertThat(name).doesNotStartWith(".");
                            assertThat(name).doesNotContain(".tmp-");
                        });
        List<String> all = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> every = fs.listFiles(new Path(run.uri()), true);
        while (every.hasNext()) {
            all.add(every.next().getPath().toString());
        }
        assertThat(all).noneMatch(p -> p.contains(".tmp-") || p.contains("/_temporary"));
    }
}
