package org.metricopt.driver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.SparkSession;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.data.FashionMnist;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.io.NioLocalFileSystem;
import org.metricopt.executor.ExecutorContext;
import org.metricopt.executor.MetricOptKryoRegistrator;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Creates the Spark session of a run. Under spark-submit the master and resources come from
 * spark-submit; otherwise the configured master (local mode by default) is used. Kryo with
 * mandatory registration is always on, so an unregistered type fails at once.
 */
public final class SparkSessions {
    private SparkSessions() {}

    public static SparkSession create(MetricOptConfig config) {
        return create(config, true);
    }

    /**
     * As {@link #create(MetricOptConfig)}; {@code strictKryo = false} is for read-only tools that
     * only run Spark SQL's own jobs, whose internal types this project does not register.
     */
    public static SparkSession create(MetricOptConfig config, boolean strictKryo) {
        return create(config, strictKryo, null);
    }

    /**
     * As {@link #create(MetricOptConfig, boolean)}, writing Spark's event log to {@code
     * eventLogDir} (an existing directory URI) when it is not null and spark.eventLog.enabled is
     * not set already (by spark-submit --conf, say).
     */
    public static SparkSession create(
            MetricOptConfig config, boolean strictKryo, String eventLogDir) {
        SparkConf conf = new SparkConf(true);
        if (eventLogDir != null && !conf.contains("spark.eventLog.enabled")) {
            conf.set("spark.eventLog.enabled", "true");
            conf.set("spark.eventLog.dir", eventLogDir);
        }
        if (!conf.contains("spark.master")) {
            conf.setMaster(config.spark().master());
        }
        if (!conf.contains("spark.app.name")) {
            conf.setAppName(config.spark().appName());
        }
        // The configuration's hadoop block, unless spark-submit --conf already set the key; before
        // the defaults, so that its keys win over theirs too.
        config.hadoop().forEach((k, v) -> conf.setIfMissing("spark.hadoop." + k, v));
        applyDefaults(conf);
        requireReachableMaster(conf.get("spark.master"));
        if (!strictKryo) {
            conf.set("spark.kryo.registrationRequired", "false");
        }
        org.apache.hadoop.conf.Configuration hadoop = new org.apache.hadoop.conf.Configuration();
        hadoopSettings(conf).forEach(hadoop::set);
        useConfiguredLocalFileSystem(hadoop);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /**
     * A standalone master ({@code spark://host:port}, or several for high availability) that no one
     * listens on is a one-line error naming spark.master, found in seconds; Spark itself would
     * retry registering for about a minute and then fail with a stack of its own. Exit class
     * IO_FAILURE: the master may only be down for now, so schedulers may retry.
     */
    static void requireReachableMaster(String master) {
        if (master == null || !master.startsWith("spark://")) {
            return;
        }
        List<String> failures = new ArrayList<>();
        for (String hostPort : master.substring("spark://".length()).split(",")) {
            int colon = hostPort.lastIndexOf(':');
            String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            int port;
            try {
                port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new MetricOptException(
                        ErrorClass.INVALID_CONFIG,
                        "spark.master = "
                                + master
                                + ": '"
                                + hostPort
                                + "' has no valid port; expected spark://host:port[,host:port...]");
            }
            try (java.net.Socket socket = new java.net.Socket()) {
                socket.connect(new java.net.InetSocketAddress(host, port), 5_000);
                return;
            } catch (java.io.IOException e) {
                failures.add(host + ":" + port + " (" + e.getMessage() + ")");
            }
        }
        throw new MetricOptException(
                ErrorClass.IO_FAILURE,
                "spark.master = "
                        + master
                        + " is unreachable: "
                        + String.join(", ", failures)
                        + "; start the standalone Master there, or set spark.master (or"
                        + " spark-submit --master) to a running one");
    }

    private static String poolsFile;

    /** This JVM's copy of the fairscheduler.xml resource, as a file: URI. */
    static synchronized String schedulerPoolsFile() {
        if (poolsFile == null) {
            try (java.io.InputStream in =
                    SparkSessions.class.getResourceAsStream("/fairscheduler.xml")) {
                if (in == null) {
                    throw new IllegalStateException("fairscheduler.xml is missing from the jar");
                }
                java.nio.file.Path f =
                        java.nio.file.Files.createTempFile("metricopt-fairscheduler", ".xml");
                f.toFile().deleteOnExit();
                java.nio.file.Files.copy(in, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                poolsFile = f.toUri().toString();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(
                        "cannot write the scheduler pools file to the temporary directory", e);
            }
        }
        return poolsFile;
    }

    /** The Hadoop key of the file system class for file: URIs (see {@link NioLocalFileSystem}). */
    static final String LOCAL_FS_KEY = "fs.file.impl";

    /**
     * Makes this JVM's cached file system for {@code file:} the one {@code hadoop} names. Under
     * spark-submit, SparkSubmit resolves the application jar through Hadoop before the driver's
     * main runs, which caches Hadoop's plain LocalFileSystem; the cache is keyed by scheme and
     * user, not by class, so every later {@code file:} access of the driver (checkpoints, and in
     * local mode the log-write tasks) would go through it and fork {@code chmod} ({@link
     * NioLocalFileSystem}). Closing a cached instance removes it from the cache; a local file
     * system holds nothing that closing ends, so whoever still holds it goes on working.
     */
    static void useConfiguredLocalFileSystem(org.apache.hadoop.conf.Configuration hadoop) {
        String wanted = hadoop.get(LOCAL_FS_KEY);
        if (wanted == null) {
            return;
        }
        try {
            org.apache.hadoop.fs.FileSystem fs =
                    org.apache.hadoop.fs.FileSystem.get(java.net.URI.create("file:///"), hadoop);
            if (!fs.getClass().getName().equals(wanted)) {
                fs.close();
            }
        } catch (java.io.IOException e) {
            throw new MetricOptException(
                    ErrorClass.IO_FAILURE,
                    "cannot open the local file system ("
                            + LOCAL_FS_KEY
                            + " = "
                            + wanted
                            + "): "
                            + e.getMessage());
        }
    }

    /** Scheduler pool of the jobs that write a run's logs (see {@link #applyDefaults}). */
    public static final String WRITE_POOL = "metricopt-writes";

    /** The settings every MetricOpt session needs, whoever creates it. */
    public static SparkConf applyDefaults(SparkConf conf) {
        conf.set("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.set("spark.kryo.registrator", MetricOptKryoRegistrator.class.getName());
        conf.set("spark.kryo.registrationRequired", "true");
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        if (conf.get("spark.master", "local").startsWith("local")) {
            // Local mode only: the driver and its executor threads share this JVM, so loopback
            // is always reachable and no UI port is needed. On a cluster Spark's own rules pick
            // the driver's address (spark.driver.host, SPARK_LOCAL_IP, the hostname): remote
            // executors must reach it, and the UI stays on.
            conf.setIfMissing("spark.ui.enabled", "false");
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        conf.setIfMissing("spark.sql.shuffle.partitions", "4");
        // Fair scheduling between pools (FIFO inside each): the run's Parquet logs are written in
        // their own pool (WRITE_POOL), so their one-task jobs take the next free task slot instead
        // of queueing behind every unroll already submitted, including the next iteration's.
        // Executors touch their initial heap up front, so their resident set does not creep up
        // over the first hundreds of tasks as heap pages get used (docs/benchmarks-history.md,
        // memory). Only
        // the admin-level default; spark.executor.extraJavaOptions still comes after it.
        conf.setIfMissing("spark.executor.defaultJavaOptions", "-XX:+AlwaysPreTouch");
        conf.setIfMissing("spark.scheduler.mode", "FAIR");
        if (!conf.contains("spark.scheduler.allocation.file")) {
            // Spark looks for fairscheduler.xml only on its own class loader, which does not see
            // the application jar under spark-submit; a file: URI works in every mode.
            conf.set("spark.scheduler.allocation.file", schedulerPoolsFile());
        }
        // file: URIs without a forked chmod per file and directory created (NioLocalFileSystem).
        conf.setIfMissing("spark.hadoop." + LOCAL_FS_KEY, NioLocalFileSystem.class.getName());
        // Listing a run's many Parquet directories is cheap; doing it on the driver keeps Spark's
        // internal listing job (and its unregistered types) out of the Kryo path.
        conf.setIfMissing("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000");
        return conf;
    }

    /**
     * A Hadoop configuration for commands that run without a Spark session (pretrain): the
     * spark.hadoop.* settings that spark-submit or --conf put in the system properties are applied,
     * as Spark itself would, so paths resolve the same way as in the other commands.
     */
    public static org.apache.hadoop.conf.Configuration hadoopConfWithoutSpark(
            MetricOptConfig config) {
        org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
        config.hadoop().forEach(conf::set);
        hadoopSettings(new SparkConf(true)).forEach(conf::set);
        if (conf.get(LOCAL_FS_KEY) == null) {
            conf.set(LOCAL_FS_KEY, NioLocalFileSystem.class.getName());
        }
        return conf;
    }

    /**
     * The context the executors run with. The dataset is loaded and validated here on the driver
     * first, so a missing, truncated or malformed dataset is one clear error before any Spark job
     * starts; its checksum travels along, so an executor that sees other bytes (a dataset replaced
     * or vanished during the run, or a node with another copy) refuses instead of mixing data.
     */
    public static ExecutorContext executorContext(
            SparkSession spark, MetricOptConfig config, String thetaDir) {
        String checksum =
                FashionMnist.load(spark.sparkContext().hadoopConfiguration(), config.data().root())
                        .checksum();
        return ExecutorContext.of(config, thetaDir, hadoopSettings(spark), checksum);
    }

    /** The driver's spark.hadoop.* settings without the prefix, for executors' Hadoop clients. */
    public static Map<String, String> hadoopSettings(SparkSession spark) {
        return hadoopSettings(spark.sparkContext().getConf());
    }

    /** The spark.hadoop.* settings of {@code conf} without the prefix, sorted by key. */
    static Map<String, String> hadoopSettings(SparkConf conf) {
        Map<String, String> out = new TreeMap<>();
        for (Tuple2<String, String> kv : conf.getAll()) {
            if (kv._1().startsWith("spark.hadoop.")) {
                out.put(kv._1().substring("spark.hadoop.".length()), kv._2());
            }
        }
        return out;
    }

    /** Partitions for a batch of n tasks: one per task, capped at 4x the default parallelism. */
    public static int partitions(SparkSession spark, MetricOptConfig config, int n) {
        if (config.spark().partitions() > 0) {
            return Math.min(n, config.spark().partitions());
        }
        int parallelism = spark.sparkContext().defaultParallelism();
        return Math.max(1, Math.min(n, 4 * parallelism));
    }

    /**
     * Broadcasts {@code payload} for the duration of {@code body} and destroys it afterwards, so
     * executors free it even when the body fails.
     */
    public static <P, T> T withBroadcast(
            SparkSession spark, P payload, java.util.function.Function<Broadcast<P>, T> body) {
        Broadcast<P> b = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(payload);
        try {
            return body.apply(b);
        } finally {
            b.destroy();
        }
    }

    /**
     * Runs {@code fn} over {@code items} split into {@code partitions} as one Spark job in the
     * named job group (so the Spark UI reads as meta-iterations and phases) and collects the
     * results in item order. {@code locations}, when not null, gives a preferred location per item
     * ({@link #located}): it changes only where the partitions run, never what they return.
     */
    public static <T, R> List<R> runJob(
            SparkSession spark,
            String group,
            String description,
            List<T> items,
            int partitions,
            List<String> locations,
            FlatMapFunction<Iterator<T>, R> fn) {
        return submitJob(spark, group, description, items, partitions, locations, fn).await();
    }

    /**
     * Submits the same job as {@link #runJob} without waiting for it. Inside a FIFO scheduler pool
     * (the default pool, where MetricOpt's unrolls run, is one) a job submitted later only gets the
     * task slots that earlier jobs leave idle, so a job submitted ahead of time fills the tail of
     * the one before it instead of slowing it.
     */
    public static <T, R> PendingJob<R> submitJob(
            SparkSession spark,
            String group,
            String description,
            List<T> items,
            int partitions,
            List<String> locations,
            FlatMapFunction<Iterator<T>, R> fn) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        JavaRDD<T> rdd =
                locations == null
                        ? jsc.parallelize(items, partitions)
                        : located(jsc, items, partitions, locations);
        jsc.setJobGroup(group, group + ": " + description, true);
        try {
            // The job group is captured when the job is submitted, inside collectAsync.
            return new PendingJob<>(rdd.mapPartitions(fn).collectAsync());
        } finally {
            jsc.clearJobGroup();
        }
    }

    /**
     * {@code items} in {@code partitions} partitions with the boundaries {@code parallelize} gives
     * them (partition i holds items [i n / p, (i + 1) n / p)), each preferring the location that
     * most of its items name ({@code locations.get(k)} for item k; "" names none; a tie goes to the
     * one named first). The items are shipped as registered {@code Object[]} slices.
     */
    @SuppressWarnings("unchecked")
    static <T> JavaRDD<T> located(
            JavaSparkContext jsc, List<T> items, int partitions, List<String> locations) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1; got " + partitions);
        }
        if (locations.size() != items.size()) {
            throw new IllegalArgumentException(
                    locations.size() + " locations for " + items.size() + " items");
        }
        int n = items.size();
        List<Tuple2<Object[], scala.collection.immutable.Seq<String>>> slices = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            int start = (int) ((long) i * n / partitions);
            int end = (int) ((long) (i + 1) * n / partitions);
            Map<String, Integer> votes = new LinkedHashMap<>();
            for (int k = start; k < end; k++) {
                if (!locations.get(k).isEmpty()) {
                    votes.merge(locations.get(k), 1, Integer::sum);
                }
            }
            List<String> preferred = new ArrayList<>();
            votes.entrySet().stream()
                    .max(Comparator.comparingInt(Map.Entry<String, Integer>::getValue))
                    .ifPresent(e -> preferred.add(e.getKey()));
            slices.add(
                    new Tuple2<>(
                            items.subList(start, end).toArray(),
                            CollectionConverters.asScala(preferred).toList()));
        }
        scala.reflect.ClassTag<Object[]> tag =
                scala.reflect.ClassTag$.MODULE$.apply(Object[].class);
        RDD<Object[]> rdd = jsc.sc().makeRDD(CollectionConverters.asScala(slices).toList(), tag);
        return JavaRDD.fromRDD(rdd, tag)
                .flatMap(slice -> ((List<T>) Arrays.asList(slice)).iterator());
    }

    /** A submitted Spark job whose collected results have not been waited for yet. */
    public static final class PendingJob<R> {
        private final JavaFutureAction<List<R>> future;

        PendingJob(JavaFutureAction<List<R>> future) {
            this.future = future;
        }

        /**
         * Waits for the results, in partition order. A failed job throws what {@code collect()}
         * would have thrown; an interrupted wait cancels the job.
         */
        public List<R> await() {
            try {
                return future.get();
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new MetricOptException(
                        ErrorClass.INTERNAL, "interrupted while waiting for a Spark job", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException re) {
                    throw re;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                // SparkException is checked in Java's eyes; collect() throws it unchecked.
                throw PendingJob.<RuntimeException>sneaky(cause);
            }
        }

        /** Cancels the job if it is still running; its results are never read. */
        public void cancel() {
            future.cancel(true);
        }

        @SuppressWarnings("unchecked")
        private static <E extends Throwable> E sneaky(Throwable t) throws E {
            throw (E) t;
        }
    }
}
