package org.metricopt.common.nets;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.testing.Fixtures;

class PretrainerTest {

    @Test
    void pretrainingIsDeterministicAndLearns() {
        MetricOptConfig config =
                Fixtures.smallConfig(
                        "data.pretrain-count=3000", "pretrain.epochs=1", "pretrain.batch-size=100");
        Pretrainer.Result a = Pretrainer.pretrain(config, Fixtures.dataset(), null);
        Pretrainer.Result b = Pretrainer.pretrain(config, Fixtures.dataset(), null);
        assertThat(a.theta().values("w1x")).containsExactly(b.theta().values("w1x"));
        assertThat(a.theta().values("b3")).containsExactly(b.theta().values("b3"));
        assertThat(a.testAccuracy()).isEqualTo(b.testAccuracy());
        // 30 Adam steps on 3000 images: far above the 10% of chance on the test split.
        assertThat(a.testAccuracy()).isGreaterThan(0.5);
        // Every bias starts at zero; each must have been trained (the finetuning paths add the
        // frozen biases outside the graph, which pre-training must not do).
        for (String bias : new String[] {"b1", "b2", "b3"}) {
            float[] v = a.theta().values(bias);
            boolean moved = false;
            for (float x : v) {
                moved |= x != 0f;
            }
            assertThat(moved).as("%s trained", bias).isTrue();
        }
        assertThat(a.theta().metadata())
                .containsKeys("provenance", "dataset_checksum", "test_accuracy");
    }
}
