package org.metricopt.driver.notebook;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.metricopt.common.unroll.TaskStatus;

/**
 * One held-out meta-test task run live from a notebook: its validation-metric curve and its test
 * metric before and after finetuning, next to the value meta-test recorded for the same task and
 * method in {@code eval/results.parquet}. Meta-test is deterministic (every random draw is keyed by
 * the task), so a rerun with the recorded learning rate reproduces the recorded test metric.
 *
 * @param family the task family
 * @param taskId the task's {@code stream/iteration/index}, as in {@code eval/results.parquet}
 * @param method the method, e.g. metricopt-sgd
 * @param metric the task metric (lower is better)
 * @param learningRate the base optimizer's learning rate used
 * @param status ok or failed
 * @param failure why it failed, or empty
 * @param observedSteps the steps at which the validation metric was observed
 * @param observedMetrics the validation metric at those steps
 * @param testMetricStep0 the test-split metric of the un-adapted network
 * @param testMetric the test-split metric after finetuning
 * @param recordedTestMetric what meta-test recorded for this task and method, {@code NaN} when the
 *     run has no such row
 * @param seconds wall time of the unroll on its executor
 */
public record HeldOutRun(
        String family,
        String taskId,
        String method,
        String metric,
        double learningRate,
        String status,
        String failure,
        int[] observedSteps,
        double[] observedMetrics,
        double testMetricStep0,
        double testMetric,
        double recordedTestMetric,
        double seconds) {

    /** Whether the live run gave the recorded test metric, bit for bit. */
    public boolean reproducesRecordedResult() {
        return Double.isFinite(recordedTestMetric)
                && Double.compare(testMetric, recordedTestMetric) == 0;
    }

    /** The validation metric against the finetuning step. */
    public Chart chart() {
        double[] steps = new double[observedSteps.length];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = observedSteps[i];
        }
        Map<String, double[][]> series = new LinkedHashMap<>();
        series.put(method, new double[][] {steps, observedMetrics});
        return Chart.lines(
                family + " task " + taskId + ": validation " + metric + " during finetuning",
                "step",
                metric + " (validation, lower is better)",
                series);
    }

    @Override
    public String toString() {
        if (!TaskStatus.OK.id().equals(status)) {
            return String.format(
                    Locale.ROOT, "%s %s with %s: %s (%s)", family, taskId, method, status, failure);
        }
        return String.format(
                Locale.ROOT,
                "%s %s with %s (lr %.4g, %.1f s): test %s %.4f -> %.4f; recorded by meta-test:"
                        + " %.4f; reproduced: %s",
                family,
                taskId,
                method,
                learningRate,
                seconds,
                metric,
                testMetricStep0,
                testMetric,
                recordedTestMetric,
                reproducesRecordedResult());
    }
}
