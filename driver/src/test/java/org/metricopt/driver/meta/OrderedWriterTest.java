package org.metricopt.driver.meta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * The background writer of a run's logs and checkpoints: writes happen one at a time in submission
 * order, a failed write surfaces at the next boundary as the original exception (its exit code
 * intact), and closing waits for the write in flight.
 */
class OrderedWriterTest {
    @Test
    void writesRunInOrderOneAtATime() {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean overlapping = new AtomicBoolean();
        AtomicBoolean busy = new AtomicBoolean();
        try (MetaTrainJob.OrderedWriter w = new MetaTrainJob.OrderedWriter()) {
            for (int i = 0; i < 20; i++) {
                int k = i;
                w.submit(
                        () -> {
                            overlapping.compareAndSet(false, !busy.compareAndSet(false, true));
                            order.add(k);
                            busy.set(false);
                        });
            }
            w.drain();
        }
        assertThat(order).hasSize(20).isSorted();
        assertThat(overlapping).isFalse();
    }

    @Test
    void aFailedWriteIsRethrownAsItselfAtTheNextBoundary() {
        MetricOptException full =
                new MetricOptException(ErrorClass.IO_FAILURE, "cannot write x: No space left");
        try (MetaTrainJob.OrderedWriter w = new MetaTrainJob.OrderedWriter()) {
            w.submit(
                    () -> {
                        throw full;
                    });
            assertThatThrownBy(() -> w.submit(() -> {})).isSameAs(full);
        }
    }

    @Test
    void closeWaitsForTheWriteInFlight() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        MetaTrainJob.OrderedWriter w = new MetaTrainJob.OrderedWriter();
        w.submit(
                () -> {
                    started.countDown();
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    finished.set(true);
                });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        w.close();
        assertThat(finished).isTrue();
    }
}
