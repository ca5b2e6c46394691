package org.metricopt.driver.eval;

import org.metricopt.common.unroll.TaskStatus;

/**
 * One held-out task finetuned by one method at meta-test: one row of {@code eval/results.parquet}.
 * Metric values are normalised so lower is better.
 *
 * @param method method id: ce-sgd, ce-adam, ap-surrogate, metricopt-sgd, metricopt-adam, ...
 * @param learningRate the learning rate chosen for this method and family on validation tasks
 * @param lambda lambda_v chosen for this value-guided method and family on validation tasks; NaN
 *     for the other methods
 * @param testMetricInitial the task metric on the test split at phi_0
 * @param testMetricFinal the task metric on the test split after T steps (what is reported)
 * @param observedSteps steps t_k of the validation observations
 * @param observedMetrics the metric on the validation split at t_k
 */
public record EvalRecord(
        String family,
        String metric,
        String taskId,
        String method,
        String status,
        String failure,
        double learningRate,
        double lambda,
        double testMetricInitial,
        double testMetricFinal,
        int[] observedSteps,
        double[] observedMetrics) {
    public boolean ok() {
        return TaskStatus.OK.id().equals(status) && Double.isFinite(testMetricFinal);
    }
}
