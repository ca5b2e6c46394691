package org.metricopt.common.outer;

import java.io.Serializable;

/**
 * What an ES pair returns: its key and the two optimizer losses. A few dozen bytes, whatever the
 * size of w_opt.
 *
 * @param diverged how many of the two unrolls diverged and got the penalty loss
 * @param reparamPlus reparameterisation gradient of L_opt at w + sigma e (empty when disabled, or
 *     when that unroll diverged or its gradient was not finite): the one part whose size is
 *     |w_opt|, as docs/DESIGN.md section 4 allows
 * @param epsilonHash a hash of the perturbation the executor used, which the driver checks against
 *     the one it regenerates from the key
 */
public record EsResult(
        long iteration,
        int task,
        int pair,
        double lossPlus,
        double lossMinus,
        int diverged,
        long epsilonHash,
        long computeNanos,
        float[] reparamPlus,
        float[] reparamMinus)
        implements Serializable {
    /** Bytes of one result without reparameterisation gradients in the Kryo wire format. */
    public static final int WIRE_BYTES = 8 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 2;

    /** Bytes on the wire, gradients included. */
    public long wireBytes() {
        return WIRE_BYTES + 4L * (reparamPlus.length + reparamMinus.length);
    }
}
