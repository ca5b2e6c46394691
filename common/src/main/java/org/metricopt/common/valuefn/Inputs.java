package org.metricopt.common.valuefn;

/** Rows x = [phi, c] of the value function's input, built from phi vectors and one context. */
public final class Inputs {
    private Inputs() {}

    /** [phi_t, c] for every phi_t of length d concatenated in {@code phis}. */
    public static float[] rows(float[] phis, int d, float[] context) {
        if (context.length == 0) {
            return phis;
        }
        int n = phis.length / d;
        int w = d + context.length;
        float[] out = new float[n * w];
        for (int t = 0; t < n; t++) {
            System.arraycopy(phis, t * d, out, t * w, d);
            System.arraycopy(context, 0, out, t * w + d, context.length);
        }
        return out;
    }

    /** [phi, c] for one phi. */
    public static float[] row(float[] phi, float[] context) {
        return rows(phi, phi.length, context);
    }
}
