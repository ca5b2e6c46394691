package org.metricopt.common.unroll;

/**
 * What one finetuning unroll returns to the driver: the trajectory {phi_t, loss_t} for t = 0..T,
 * the K sparse metric observations on the validation split, the metric on the held-out test split
 * before and after finetuning, timings and a status. Plain arrays only, so it ships cheaply.
 *
 * @param taskId the task's {@code stream/iteration/index}
 * @param index the task's index in its batch
 * @param status how the unroll ended
 * @param failure why the task failed, or empty
 * @param adapterDim d, the length of each phi_t
 * @param phis phi_0..phi_T concatenated, (T+1) x d
 * @param losses surrogate loss at each phi_t on that step's minibatch, T+1 values
 * @param observedSteps the steps t_k at which the metric was observed
 * @param observedMetrics M_k, the metric on the validation split at t_k (lower is better)
 * @param observedTestMetrics for value-guided rules, the metric on the test split at the same t_k,
 *     for diagnostics only (an independent measurement of the metric along the path: how well any
 *     predictor could rank the noisy validation observations); no method ever sees it; empty for
 *     other rules
 * @param testMetricInitial the metric on the test split at phi_0 (the un-adapted network)
 * @param testMetricFinal the metric on the test split at phi_T
 * @param testMetricBestObserved the metric on the test split at the observed phi_k with the lowest
 *     valid validation metric (the earliest on ties): what early stopping on the observed metric
 *     returns, for the best-observed-checkpoint baselines
 * @param features the task's data context at phi_0 ({@link TaskFeatures}), empty when failed
 * @param probeMetrics the validation metric at the antithetic probes phi_t_k +- delta_kp, in the
 *     order (k, p, +/-): 2 P values per observation (NaN where a call was dropped); empty without
 *     probes
 * @param valueDiagnostics for value-guided rules, per observation k: the cosine between the rule's
 *     value-function gradient and the gradient of the surrogate loss on the validation split (an
 *     oracle direction the rule never sees), and the raw norm of the value-function gradient, as
 *     (cos_0, norm_0, cos_1, norm_1, ...); empty for other rules
 * @param computeNanos wall time of the task on the executor: data preparation (augmentation,
 *     splits), binding the network (the cached first-layer prefix), the unroll and its metric
 *     evaluations, and in phase A with meta-train.adapt-on = executors the value function's
 *     adaptation to it
 */
public record Trajectory(
        String taskId,
        int index,
        String family,
        String method,
        TaskStatus status,
        String failure,
        int adapterDim,
        float[] phis,
        float[] losses,
        int[] observedSteps,
        double[] observedMetrics,
        double[] observedTestMetrics,
        double testMetricInitial,
        double testMetricFinal,
        double testMetricBestObserved,
        float[] features,
        double[] probeMetrics,
        double[] valueDiagnostics,
        long computeNanos) {

    public boolean ok() {
        return status == TaskStatus.OK;
    }

    public int steps() {
        return losses.length - 1;
    }

    /** phi_t as a fresh array. */
    public float[] phi(int t) {
        float[] out = new float[adapterDim];
        System.arraycopy(phis, t * adapterDim, out, 0, adapterDim);
        return out;
    }

    /** The same trajectory with another compute time. */
    public Trajectory withComputeNanos(long nanos) {
        return new Trajectory(
                taskId,
                index,
                family,
                method,
                status,
                failure,
                adapterDim,
                phis,
                losses,
                observedSteps,
                observedMetrics,
                observedTestMetrics,
                testMetricInitial,
                testMetricFinal,
                testMetricBestObserved,
                features,
                probeMetrics,
                valueDiagnostics,
                nanos);
    }

    public static Trajectory failed(
            String taskId, int index, String family, String method, String why, long nanos) {
        return new Trajectory(
                taskId,
                index,
                family,
                method,
                TaskStatus.FAILED,
                why,
                0,
                new float[0],
                new float[0],
                new int[0],
                new double[0],
                new double[0],
                Double.NaN,
                Double.NaN,
                Double.NaN,
                new float[0],
                new double[0],
                new double[0],
                nanos);
    }
}
