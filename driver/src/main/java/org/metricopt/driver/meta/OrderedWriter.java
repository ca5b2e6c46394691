package org.metricopt.driver.meta;

import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * Runs writes one at a time, in submission order, on one background thread, while the caller goes
 * on. {@link #submit} queues a write and only waits while {@link #MAX_BACKLOG} writes are already
 * queued or running (so a slow file system cannot pile up unbounded work). Once a write fails, the
 * writes queued after it are skipped (a checkpoint is never written after the logs before it
 * failed), and the next {@link #submit} or {@link #drain} rethrows the original exception, so its
 * error class and exit code survive. {@link #close} waits for what is queued, so a run that stops
 * for another reason never leaves a checkpoint half-written by this thread.
 */
final class OrderedWriter implements AutoCloseable {
    /** Writes queued or running at most; submitting one more waits for the oldest. */
    static final int MAX_BACKLOG = 3;

    private final java.util.concurrent.ExecutorService thread =
            java.util.concurrent.Executors.newSingleThreadExecutor(
                    r -> {
                        Thread t = new Thread(r, "metricopt-run-writer");
                        t.setDaemon(true);
                        return t;
                    });
    private final java.util.ArrayDeque<java.util.concurrent.Future<?>> queued =
            new java.util.ArrayDeque<>();
    private volatile boolean failed;

    void submit(Runnable write) {
        reapFinished();
        while (queued.size() >= MAX_BACKLOG) {
            await(queued.poll());
        }
        queued.add(
                thread.submit(
                        () -> {
                            if (failed) {
                                return;
                            }
                            try {
                                write.run();
                            } catch (RuntimeException | Error e) {
                                failed = true;
                                throw e;
                            }
                        }));
    }

    /** Waits for every queued write; rethrows the first failure. */
    void drain() {
        while (!queued.isEmpty()) {
            await(queued.poll());
        }
    }

    /** Rethrows the failure of a write that has already finished, without waiting. */
    private void reapFinished() {
        while (!queued.isEmpty() && queued.peek().isDone()) {
            await(queued.poll());
        }
    }

    private static void await(java.util.concurrent.Future<?> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MetricOptException(
                    ErrorClass.INTERNAL, "interrupted while writing the run's logs", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    @Override
    public void close() {
        try {
            for (java.util.concurrent.Future<?> f : queued) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    // Reported by drain() on the normal path; here another failure is already
                    // on its way up and takes precedence.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            queued.clear();
        } finally {
            thread.shutdown();
        }
    }
}
