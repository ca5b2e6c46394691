package org.metricopt.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

class DataSplitsTest {
    @TempDir Path dir;

    private FashionMnist data;

    @BeforeEach
    void load() {
        IdxTestFiles.writeFashionMnist(dir, 11, 4, true, 3);
        data = FashionMnist.load(new Configuration(), dir.toString());
    }

    @Test
    void splitsTrainIntoAPrefixForPretrainingAndTheRestForTasks() {
        DataSplits splits = DataSplits.of(data, 3);

        assertThat(splits.indices(Split.PRETRAIN)).containsExactly(0, 1, 2);
        assertThat(splits.indices(Split.TASK_POOL)).containsExactly(3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(splits.indices(Split.TEST)).containsExactly(0, 1, 2, 3);
        assertThat(splits.size(Split.TASK_POOL)).isEqualTo(8);
        assertThat(splits.pixels(Split.TASK_POOL)).isSameAs(data.trainPixels());
        assertThat(splits.labels(Split.PRETRAIN)).isSameAs(data.trainLabels());
        assertThat(splits.pixels(Split.TEST)).isSameAs(data.testPixels());
        assertThat(splits.labels(Split.TEST)).isSameAs(data.testLabels());
    }

    @Test
    void pretrainAndTaskPoolPartitionTheTrainingSet() {
        DataSplits splits = DataSplits.of(data, 5);

        assertThat(
                        IntStream.concat(
                                IntStream.of(splits.indices(Split.PRETRAIN)),
                                IntStream.of(splits.indices(Split.TASK_POOL))))
                .containsExactly(
                        IntStream.range(0, data.trainCount()).boxed().toArray(Integer[]::new));
    }

    @Test
    void defaultsToThirtyThousandClippedToHalfTheTrainingSet() {
        assertThat(DataSplits.defaultPretrainCount(60_000)).isEqualTo(30_000);
        assertThat(DataSplits.defaultPretrainCount(100_000)).isEqualTo(30_000);
        assertThat(DataSplits.defaultPretrainCount(11)).isEqualTo(5);
        assertThat(DataSplits.of(data).pretrainCount()).isEqualTo(5);
    }

    @Test
    void returnsAFreshArrayOnEveryCall() {
        DataSplits splits = DataSplits.of(data);
        int[] first = splits.indices(Split.TEST);
        first[0] = 99;

        assertThat(splits.indices(Split.TEST)[0]).isZero();
    }

    @Test
    void theDefaultPretrainSplitOfTheInstalledDatasetIsNearlyBalanced() {
        Assumptions.assumeTrue(
                Files.exists(Path.of(FashionMnist.DEFAULT_ROOT, FashionMnist.TRAIN_IMAGES + ".gz")),
                "dataset-fashion-mnist is not installed");
        DataSplits splits =
                DataSplits.of(FashionMnist.load(new Configuration(), FashionMnist.DEFAULT_ROOT));
        int[] counts = new int[FashionMnist.CLASSES];
        for (int i : splits.indices(Split.PRETRAIN)) {
            counts[splits.labels(Split.PRETRAIN)[i]]++;
        }

        assertThat(splits.size(Split.PRETRAIN)).isEqualTo(30_000);
        assertThat(splits.size(Split.TASK_POOL)).isEqualTo(30_000);
        assertThat(splits.size(Split.TEST)).isEqualTo(10_000);
        assertThat(IntStream.of(counts).min().getAsInt()).isGreaterThanOrEqualTo(2_900);
        assertThat(IntStream.of(counts).max().getAsInt()).isLessThanOrEqualTo(3_100);
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -1, 0, 11, 12, 30_000})
    void rejectsPretrainCountsThatLeaveASplitEmpty(int pretrainCount) {
        assertThatThrownBy(() -> DataSplits.of(data, pretrainCount))
                .isInstanceOfSatisfying(
                        MetricOptException.class,
                        e -> assertThat(e.errorClass()).isEqualTo(ErrorClass.INVALID_CONFIG))
                .hasMessage(
                        "data.pretrain-count = "
                                + pretrainCount
                                + " is out of range; it must lie in (0, 11), the number of"
                                + " training images, so that neither PRETRAIN nor TASK_POOL is"
                                + " empty");
    }
}
