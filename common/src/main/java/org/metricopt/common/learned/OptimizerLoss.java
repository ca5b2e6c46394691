package org.metricopt.common.learned;

/**
 * The optimizer loss of supp. Eq. (2): {@code L_opt = lambda * L_metric + L_loss} with
 *
 * <pre>
 * L_metric = 1/T sum_t log(1 + exp(beta (M_t - M_t') / M_t)),  t' = argmin_{i &lt; t} M_i
 * L_loss   = 1/T sum_t [log(loss_t + eps) - log(loss_0 + eps)]
 * </pre>
 *
 * where M_t is the adapted value function's prediction at phi_t. L_metric penalises every step
 * whose predicted metric is worse than the best seen before it; L_loss rewards lowering the loss.
 * With {@code learned-optimizer.metric-source = observed} the M_t are the K + 1 metric observations
 * of the unroll instead, and L_metric averages over their K transitions while L_loss still averages
 * over all T steps.
 */
public final class OptimizerLoss {
    private OptimizerLoss() {}

    /**
     * L_opt with supp. Eq. (2)'s L_metric (the regret form).
     *
     * @param metrics M_t in order: the predictions for t = 0..T, or the observations
     * @param losses loss_t for t = 0..T
     */
    public static double value(
            double[] metrics, float[] losses, double lambda, double beta, double eps) {
        return value(metrics, losses, lambda, beta, eps, Form.REGRET);
    }

    /** The form of L_metric ({@code learned-optimizer.metric-objective}). */
    public enum Form {
        /** supp. Eq. (2): softplus(beta (M_t - min_{i<t} M_i) / M_t), averaged. */
        REGRET,
        /** The mean of (M_k - M_0) / M_0 over k >= 1. */
        MEAN_RELATIVE,
        /** The mean of M_k - M_0 over k >= 1, in the metric's own units. */
        MEAN_CHANGE;

        /** The form a configuration names: regret, mean-relative or mean-change. */
        public static Form of(String name) {
            return valueOf(name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        }
    }

    /** L_opt with L_metric in the given form; beta is used by the regret form only. */
    public static double value(
            double[] metrics, float[] losses, double lambda, double beta, double eps, Form form) {
        int transitions = metrics.length - 1;
        int steps = losses.length - 1;
        if (transitions < 1 || steps < 1) {
            throw new IllegalArgumentException("L_opt needs at least two metrics and two losses");
        }
        double metric = 0;
        double best = metrics[0];
        double start = Math.max(Math.abs(metrics[0]), 1e-6);
        for (int t = 1; t <= transitions; t++) {
            double m = metrics[t];
            if (form == Form.MEAN_RELATIVE) {
                metric += (m - metrics[0]) / start;
                continue;
            }
            if (form == Form.MEAN_CHANGE) {
                metric += m - metrics[0];
                continue;
            }
            double denom = Math.max(Math.abs(m), 1e-6);
            metric += softplus(beta * (m - best) / denom);
            best = Math.min(best, m);
        }
        double loss = 0;
        double l0 = Math.log(losses[0] + eps);
        for (int t = 1; t <= steps; t++) {
            loss += Math.log(losses[t] + eps) - l0;
        }
        return lambda * metric / transitions + loss / steps;
    }

    static double softplus(double x) {
        return x > 30 ? x : Math.log1p(Math.exp(x));
    }
}
