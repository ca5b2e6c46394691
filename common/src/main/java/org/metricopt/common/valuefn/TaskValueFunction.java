package org.metricopt.common.valuefn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.metricopt.common.nets.Autograd;

/**
 * A value function bound to one task: f(phi) = M_0 + g([phi, c]) with the task's context c and
 * offset M_0 (0 and an empty context for a value function of phi alone). This is what the learned
 * optimizer's metric input and L_metric read (docs/DESIGN.md section 4). Owns the value function
 * and its own native scratch arrays; not thread-safe.
 */
public final class TaskValueFunction implements AutoCloseable {
    private final ValueFunction g;
    private final float[] context;
    private final double offset;
    private final int d;
    private final NDManager manager;
    private final NDArray contextRow;
    private final NDArray offsetScalar;

    /**
     * @param g the value function's network over [phi, c] (closed with this object)
     * @param context c, of length {@code g.inputs() - d}
     * @param offset M_0 for a residual value function, else 0
     */
    public TaskValueFunction(
            NDManager parent, ValueFunction g, int d, float[] context, double offset) {
        if (d + context.length != g.inputs()) {
            throw new IllegalArgumentException(
                    "the value function takes "
                            + g.inputs()
                            + " inputs but phi and the context have "
                            + (d + context.length));
        }
        this.g = g;
        this.context = context.clone();
        this.offset = offset;
        this.d = d;
        this.manager = parent.newSubManager();
        this.contextRow =
                context.length == 0 ? null : manager.create(context, new Shape(1, context.length));
        this.offsetScalar = Autograd.constant(manager, offset);
    }

    /** A value function of phi alone, used as it is. */
    public static TaskValueFunction of(NDManager parent, ValueFunction g, int d) {
        return new TaskValueFunction(parent, g, d, new float[0], 0.0);
    }

    /** f(phi_t) for the phi_t concatenated in {@code phis}. */
    public float[] predict(float[] phis) {
        float[] out = g.predict(phis, context);
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] + offset);
        }
        return out;
    }

    /** f(phi) for the rows of {@code phi} ([n, d] or [d]) as a graph node. */
    public NDArray predictGraph(NDArray phi) {
        NDArray rows = phi.reshape(-1, d);
        NDArray x =
                contextRow == null
                        ? rows
                        : NDArrays.concat(
                                new NDList(rows, contextRow.repeat(0, rows.getShape().get(0))), 1);
        return g.predictGraph(x).add(offsetScalar);
    }

    @Override
    public void close() {
        try {
            manager.close();
        } finally {
            g.close();
        }
    }
}
