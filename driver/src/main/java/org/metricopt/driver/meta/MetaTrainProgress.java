package org.metricopt.driver.meta;

import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Meta-training's progress: on a terminal, a progress bar redrawn in place with the phase the
 * current iteration is in; elsewhere (YARN, Kubernetes, cron, Airflow, a redirected log), where
 * carriage returns would pile up into one unreadable line, one log line per finished iteration
 * through the logging framework, with its time, the elapsed time and an estimate of what is left.
 */
final class MetaTrainProgress implements AutoCloseable {
    private static final org.slf4j.Logger LOG =
            org.slf4j.LoggerFactory.getLogger(MetaTrainProgress.class);

    private final ProgressBar bar;
    private final long total;
    private final long first;
    private final long startNanos = System.nanoTime();
    private long lastNanos = startNanos;

    private MetaTrainProgress(ProgressBar bar, long first, long total) {
        this.bar = bar;
        this.first = first;
        this.total = total;
    }

    /** Progress from iteration {@code first} to {@code total}; a bar only on a terminal. */
    static MetaTrainProgress start(long first, long total) {
        return start(first, total, System.console() != null);
    }

    static MetaTrainProgress start(long first, long total, boolean terminal) {
        ProgressBar bar =
                terminal
                        ? new ProgressBarBuilder()
                                .setTaskName("meta-train")
                                .setInitialMax(total)
                                .setStyle(ProgressBarStyle.ASCII)
                                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                                .setUpdateIntervalMillis(1000)
                                .startsFrom(first, Duration.ZERO)
                                .build()
                        : null;
        return new MetaTrainProgress(bar, first, total);
    }

    /** The phase iteration {@code it} is in now (shown on the bar only). */
    void phase(long it, String what) {
        if (bar != null) {
            bar.setExtraMessage("iteration " + it + ": " + what);
        }
    }

    /** {@code done} iterations are finished. */
    void finished(long done) {
        long now = System.nanoTime();
        if (bar != null) {
            bar.stepTo(done);
        } else {
            LOG.info(line(done, (now - lastNanos) / 1e9, (now - startNanos) / 1e9));
        }
        lastNanos = now;
    }

    /** The log line of iteration {@code done - 1}, finished after {@code elapsed} seconds. */
    String line(long done, double iterationS, double elapsedS) {
        long ran = done - first;
        double left = ran > 0 ? elapsedS / ran * (total - done) : Double.NaN;
        return String.format(
                Locale.ROOT,
                "meta-train: iteration %d of %d done in %.1f s; elapsed %s, about %s left",
                done,
                total,
                iterationS,
                clock(elapsedS),
                clock(left));
    }

    private static String clock(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
