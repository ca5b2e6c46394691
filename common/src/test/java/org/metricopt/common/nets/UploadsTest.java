package org.metricopt.common.nets;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * An upload through the reused per-thread buffer holds exactly the data DJL's own {@code create}
 * would, and keeps holding it after later uploads (larger and smaller) have reused the buffer and
 * after the garbage collector has run: the array owns a copy, not the buffer's memory.
 */
class UploadsTest {
    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    @Test
    void uploadsEqualDjlsCreateAndSurviveTheBuffersReuse() {
        float[] first = random(300 * 784, 1);
        float[] larger = random(1000 * 784, 2);
        float[] smaller = random(7 * 784, 3);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = Uploads.floats(m, first, new Shape(300, 784));
            NDArray reference = m.create(first, new Shape(300, 784));
            assertThat(a.getShape()).isEqualTo(new Shape(300, 784));
            assertThat(a.toFloatArray()).isEqualTo(reference.toFloatArray());

            NDArray b = Uploads.floats(m, larger, new Shape(1000, 784));
            NDArray c = Uploads.floats(m, smaller, new Shape(7, 784));
            for (int i = 0; i < 3; i++) {
                System.gc();
            }
            // Another thread's uploads use their own buffer.
            Thread other =
                    new Thread(
                            () -> {
                                try (NDManager m2 = NDManager.newBaseManager()) {
                                    Uploads.floats(m2, random(500 * 784, 4), new Shape(500, 784));
                                }
                            });
            other.start();
            try {
                other.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertThat(a.toFloatArray()).isEqualTo(first);
            assertThat(b.toFloatArray()).isEqualTo(larger);
            assertThat(c.toFloatArray()).isEqualTo(smaller);
            // Arithmetic on an upload works as on any array.
            assertThat(a.sum().getFloat()).isEqualTo(reference.sum().getFloat());
        }
    }
}
