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
 * order while the caller goes on (up to a bounded backlog), a failed write surfaces as the original
 * exception (its exit code intact) and the writes queued after it never run, and closing waits for
 * the write in flight.
 */
class OrderedWriterTest {
    @Test
    void writesRunInOrderOneAtATime() {
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean overlapping = new AtomicBoolean();
        AtomicBoolean busy = new AtomicBoolean();
        try (OrderedWriter w = new OrderedWriter()) {
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
    void aFailedWriteIsRethrownAsItselfAndTheWritesQueuedAfterItAreSkipped()
            throws InterruptedException {
        MetricOptException full =
                new MetricOptException(ErrorClass.IO_FAILURE, "cannot write x: No space left");
        CountDownLatch gate = new CountDownLatch(1);
        AtomicBoolean checkpointWritten = new AtomicBoolean();
        try (OrderedWriter w = new OrderedWriter()) {
            w.submit(
                    () -> {
                        awaitQuietly(gate);
                        throw full;
                    });
            w.submit(() -> checkpointWritten.set(true));
            gate.countDown();
            assertThatThrownBy(w::drain).isSameAs(full);
        }
        assertThat(checkpointWritten).isFalse();
    }

    @Test
    void aFailureStopsTheCallerAtALaterSubmitOnceItHasHappened() {
        MetricOptException full =
                new MetricOptException(ErrorClass.IO_FAILURE, "cannot write x: No space left");
        try (OrderedWriter w = new OrderedWriter()) {
            w.submit(
                    () -> {
                        throw full;
                    });
            // Each later submit either finds the failure finished or, once the backlog is full,
            // waits for the oldest write, which is the failed one: it surfaces within a few.
            assertThatThrownBy(
                            () -> {
                                for (int i = 0; i <= OrderedWriter.MAX_BACKLOG; i++) {
                                    w.submit(() -> {});
                                }
                            })
                    .isSameAs(full);
        }
    }

    @Test
    void submitReturnsAtOnceUntilTheBacklogIsFull() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        List<Integer> order = Collections.synchronizedList(new ArrayList<>());
        try (OrderedWriter w = new OrderedWriter()) {
            for (int i = 0; i < OrderedWriter.MAX_BACKLOG; i++) {
                int k = i;
                // Returns although no write can finish while the gate is shut.
                w.submit(
                        () -> {
                            awaitQuietly(gate);
                            order.add(k);
                        });
            }
            CountDownLatch oneMoreSubmitted = new CountDownLatch(1);
            Thread t =
                    new Thread(
                            () -> {
                                w.submit(() -> order.add(99));
                                oneMoreSubmitted.countDown();
                            });
            t.start();
            assertThat(oneMoreSubmitted.await(300, TimeUnit.MILLISECONDS)).isFalse();
            gate.countDown();
            assertThat(oneMoreSubmitted.await(10, TimeUnit.SECONDS)).isTrue();
            t.join();
            w.drain();
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < OrderedWriter.MAX_BACKLOG; i++) {
            expected.add(i);
        }
        expected.add(99);
        assertThat(order).isEqualTo(expected);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void closeWaitsForTheWriteInFlight() throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean finished = new AtomicBoolean();
        OrderedWriter w = new OrderedWriter();
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
