package org.metricopt.common.learned;

/**
 * The clipped Adam step on w_opt. Pure and immutable: it returns the new weights and moments, which
 * the driver stores in its meta-state and checkpoints.
 */
public final class MetaAdam {
    private MetaAdam() {}

    /** New weights, first and second moments after step number {@code step} (1-based). */
    public record Result(float[] weights, float[] m, float[] v) {}

    public static Result step(
            float[] w, float[] m, float[] v, double[] grad, long step, double lr, double clip) {
        double norm = 0;
        for (double g : grad) {
            norm += g * g;
        }
        norm = Math.sqrt(norm);
        double scale = norm > clip ? clip / norm : 1.0;
        float[] w2 = w.clone();
        float[] m2 = m.clone();
        float[] v2 = v.clone();
        double c1 = 1 - Math.pow(0.9, step);
        double c2 = 1 - Math.pow(0.999, step);
        for (int i = 0; i < w.length; i++) {
            double g = Double.isFinite(grad[i]) ? grad[i] * scale : 0.0;
            m2[i] = (float) (0.9 * m[i] + 0.1 * g);
            v2[i] = (float) (0.999 * v[i] + 0.001 * g * g);
            w2[i] = (float) (w[i] - lr * (m2[i] / c1) / (Math.sqrt(v2[i] / c2) + 1e-8));
        }
        return new Result(w2, m2, v2);
    }
}
