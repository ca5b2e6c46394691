package org.metricopt.common.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

class PredictionsTest {

    @Test
    void binaryPredictionsHaveOneScorePerExample() {
        Predictions p = new Predictions(new float[] {0.5f, -1f, 2f}, 1, new int[] {1, 0, 1});
        assertThat(p.size()).isEqualTo(3);
        assertThat(p.isBinary()).isTrue();
    }

    @Test
    void multiClassPredictionsAreRowMajor() {
        Predictions p = new Predictions(new float[] {1, 2, 3, 4, 5, 6}, 3, new int[] {2, 0});
        assertThat(p.size()).isEqualTo(2);
        assertThat(p.isBinary()).isFalse();
    }

    @Test
    void rejectsMismatchedLengths() {
        assertThatThrownBy(() -> new Predictions(new float[5], 2, new int[] {0, 1, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "scores.length = 5 does not match labels.length * numClasses = 3 * 2 = 6");
    }

    @Test
    void rejectsBinaryLabelOutsideZeroOne() {
        assertThatThrownBy(() -> new Predictions(new float[3], 1, new int[] {0, 1, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "labels[2] = 2 is out of range; allowed: 0 or 1 for a binary task"
                                + " (numClasses = 1)");
    }

    @Test
    void rejectsMultiClassLabelOutOfRange() {
        assertThatThrownBy(() -> new Predictions(new float[6], 3, new int[] {-1, 0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("labels[0] = -1 is out of range; allowed: 0 to 2 for numClasses = 3");
        assertThatThrownBy(() -> new Predictions(new float[6], 3, new int[] {0, 3}))
                .hasMessage("labels[1] = 3 is out of range; allowed: 0 to 2 for numClasses = 3");
    }

    @Test
    void rejectsBadNumClassesEmptyAndNull() {
        assertThatThrownBy(() -> new Predictions(new float[0], 0, new int[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("numClasses = 0 is not allowed");
        assertThatThrownBy(() -> new Predictions(new float[0], 1, new int[0]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one example");
        assertThatThrownBy(() -> new Predictions(null, 1, new int[] {0}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("scores must not be null");
        assertThatThrownBy(() -> new Predictions(new float[1], 1, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("labels must not be null");
    }

    @Test
    void equalityComparesContents() {
        Predictions a = new Predictions(new float[] {1, 2}, 1, new int[] {0, 1});
        Predictions b = new Predictions(new float[] {1, 2}, 1, new int[] {0, 1});
        Predictions c = new Predictions(new float[] {1, 3}, 1, new int[] {0, 1});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
        assertThat(a.toString()).isEqualTo("Predictions[size=2, numClasses=1]");
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        Predictions p = new Predictions(new float[] {1, 2, 3, 4}, 2, new int[] {0, 1});
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(p);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(p);
        }
    }
}
