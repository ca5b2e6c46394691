package org.metricopt.common.metrics;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * A metric call with a per-call timeout: a user metric that hangs is abandoned after {@code
 * timeoutMs} (its thread is interrupted and left to a daemon pool) and the call fails with a {@link
 * MetricOptException}, so one bad plug-in cannot stall an executor forever.
 */
public final class TimedMetric implements Metric {
    private static final long serialVersionUID = 1L;
    private static final ExecutorService POOL =
            Executors.newCachedThreadPool(
                    r -> {
                        Thread t = new Thread(r, "metricopt-metric");
                        t.setDaemon(true);
                        return t;
                    });

    private final Metric delegate;
    private final long timeoutMs;

    private TimedMetric(Metric delegate, long timeoutMs) {
        this.delegate = delegate;
        this.timeoutMs = timeoutMs;
    }

    /**
     * The metric itself when {@code timeoutMs <= 0}, else a timed wrapper. A {@link CommandMetric}
     * always gets a timeout, and enforces it itself by killing its program.
     */
    public static Metric wrap(Metric metric, long timeoutMs) {
        if (metric instanceof CommandMetric command) {
            return command.withTimeout(timeoutMs);
        }
        return timeoutMs <= 0 ? metric : new TimedMetric(metric, timeoutMs);
    }

    @Override
    public String id() {
        return delegate.id();
    }

    @Override
    public double lowerBound() {
        return delegate.lowerBound();
    }

    @Override
    public double upperBound() {
        return delegate.upperBound();
    }

    @Override
    public double evaluate(Predictions p) {
        Future<Double> f = POOL.submit(() -> delegate.evaluate(p));
        try {
            return f.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    "metric "
                            + delegate.id()
                            + " did not return within inner.metric-timeout-ms = "
                            + timeoutMs);
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    "interrupted while waiting for metric " + delegate.id());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    "metric " + delegate.id() + " failed: " + cause,
                    cause);
        }
    }
}
