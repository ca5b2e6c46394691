package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.executor.SparkTestBase;

/**
 * A batch of iterations' log rows is one Parquet write: a directory {@code iteration=NNNNNN} per
 * iteration, rows split over several write tasks without losing or reordering any, and a later
 * write of one iteration replaces that iteration's rows only.
 */
class LogWritesTest extends SparkTestBase {
    private static final StructType SCHEMA =
            new StructType()
                    .add("iteration", DataTypes.LongType)
                    .add("step", DataTypes.IntegerType);

    private static List<Row> rows(long iteration, int steps) {
        List<Row> out = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            out.add(RowFactory.create(iteration, s));
        }
        return out;
    }

    @Test
    void aBatchLandsInOneDirectoryPerIterationAndRewritesReplaceOnlyTheirOwn(@TempDir Path tmp) {
        withSpark(
                "local[2]",
                spark -> {
                    String dir = tmp.resolve("trajectories").toUri().toString();
                    List<Row> batch = new ArrayList<>();
                    for (long it = 0; it < 3; it++) {
                        batch.addAll(rows(it, 30));
                    }
                    MetaTrainLogs.writePartitions(spark.createDataFrame(batch, SCHEMA), dir, 4);
                    assertThat(tmp.resolve("trajectories").toFile().list())
                            .contains("iteration=000000", "iteration=000001", "iteration=000002");
                    for (long it = 0; it < 3; it++) {
                        List<Row> back =
                                spark.read()
                                        .parquet(dir)
                                        .filter("iteration = " + it)
                                        .orderBy("step")
                                        .collectAsList();
                        assertThat(back).hasSize(30);
                        assertThat(back.stream().map(r -> r.getInt(r.fieldIndex("step"))))
                                .containsExactlyElementsOf(
                                        java.util.stream.IntStream.range(0, 30).boxed().toList());
                    }

                    // A resumed run writes iteration 1 again, with other rows.
                    MetaTrainLogs.writePartitions(
                            spark.createDataFrame(rows(1, 7), SCHEMA), dir, 1);
                    assertThat(spark.read().parquet(dir).filter("iteration = 1").count())
                            .isEqualTo(7);
                    assertThat(spark.read().parquet(dir).filter("iteration = 0").count())
                            .isEqualTo(30);
                    assertThat(spark.read().parquet(dir).filter("iteration = 2").count())
                            .isEqualTo(30);
                    File[] leftovers =
                            tmp.resolve("trajectories")
                                    .toFile()
                                    .listFiles((d, n) -> n.startsWith(".spark-staging"));
                    assertThat(leftovers).isEmpty();
                });
    }
}
