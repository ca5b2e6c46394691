package org.metricopt.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.junit.jupiter.api.Test;
import org.metricopt.executor.ExecutorLocation;
import org.metricopt.executor.SparkTestBase;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Phase B's preferred locations (spark.phase-b-locality): a job with locations splits its items
 * exactly as one without (so it returns the same results in the same order), and each partition
 * asks for the executor most of its items name; tasks report where they ran in the form Spark reads
 * back.
 */
class LocatedJobTest extends SparkTestBase {
    private static final String A = ExecutorLocation.of("10.0.0.1", "1");
    private static final String B = ExecutorLocation.of("10.0.0.2", "2");

    private static List<String> items(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("item" + i);
        }
        return out;
    }

    /** Each item tagged with the partition that processed it. */
    private static final FlatMapFunction<java.util.Iterator<String>, String> TAG =
            it -> {
                int p = TaskContext.getPartitionId();
                List<String> out = new ArrayList<>();
                it.forEachRemaining(s -> out.add(p + ":" + s));
                return out.iterator();
            };

    @Test
    void partitionsPreferTheMajorityLocationAndSplitAsParallelizeDoes() {
        withSpark(
                "local[2]",
                spark -> {
                    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                    List<String> items = items(10);
                    // Items 0-4 ran on A, 5-9 on B, item 1 nowhere known; with 3 partitions the
                    // slices are [0, 3), [3, 6) and [6, 10).
                    List<String> where = new ArrayList<>(Collections.nCopies(5, A));
                    where.addAll(Collections.nCopies(5, B));
                    where.set(1, "");
                    JavaRDD<String> rdd = SparkSessions.located(jsc, items, 3, where);
                    assertThat(rdd.rdd().partitions()).hasSize(3);
                    assertThat(preferred(rdd, 0)).containsExactly(A);
                    assertThat(preferred(rdd, 1)).containsExactly(A);
                    assertThat(preferred(rdd, 2)).containsExactly(B);

                    List<String> none = new ArrayList<>(Collections.nCopies(10, ""));
                    JavaRDD<String> nowhere = SparkSessions.located(jsc, items, 4, none);
                    assertThat(preferred(nowhere, 0)).isEmpty();
                    // Spark reads the strings as executor locations, not as host names.
                    var parsed =
                            CollectionConverters.asJava(
                                            rdd.context()
                                                    .dagScheduler()
                                                    .getPreferredLocs(rdd.rdd(), 2))
                                    .get(0);
                    assertThat(parsed)
                            .isInstanceOf(
                                    org.apache.spark.scheduler.ExecutorCacheTaskLocation.class);
                    var executor = (org.apache.spark.scheduler.ExecutorCacheTaskLocation) parsed;
                    assertThat(executor.host()).isEqualTo("10.0.0.2");
                    assertThat(executor.executorId()).isEqualTo("2");
                    assertThat(ExecutorLocation.of("node_7", "3")).isEmpty();
                    assertThat(preferred(jsc.parallelize(items, 3), 0)).isEmpty();

                    for (int partitions : new int[] {1, 3, 7, 12}) {
                        List<String> plain =
                                SparkSessions.runJob(
                                        spark, "g", "plain", items, partitions, null, TAG);
                        List<String> withLocations =
                                SparkSessions.runJob(
                                        spark, "g", "located", items, partitions, where, TAG);
                        assertThat(withLocations).as("%d partitions", partitions).isEqualTo(plain);
                    }
                    assertThatThrownBy(() -> SparkSessions.located(jsc, items, 2, List.of(A)))
                            .hasMessageContaining("1 locations for 10 items");
                    assertThatThrownBy(() -> SparkSessions.located(jsc, List.of(), 0, List.of()))
                            .hasMessageContaining("partitions must be >= 1; got 0");
                });
    }

    @Test
    void aTaskReportsItsExecutorAsASparkLocation() {
        withSpark(
                "local[2]",
                spark -> {
                    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                    List<String> seen =
                            jsc.parallelize(List.of(1, 2), 2)
                                    .map(x -> ExecutorLocation.current())
                                    .collect();
                    String host = spark.sparkContext().env().blockManager().blockManagerId().host();
                    assertThat(seen).containsOnly(ExecutorLocation.of(host, "driver"));
                });
    }

    /** Where the scheduler would place the partition (through the RDD's narrow parents). */
    private static List<String> preferred(JavaRDD<String> rdd, int partition) {
        List<String> out = new ArrayList<>();
        CollectionConverters.asJava(
                        rdd.context().dagScheduler().getPreferredLocs(rdd.rdd(), partition))
                .forEach(l -> out.add(l.toString()));
        return out;
    }
}
