package org.metricopt.executor;

import java.io.Serializable;

/**
 * What an ES pair returns: its key and the two optimizer losses. A few dozen bytes, whatever the
 * size of w_opt.
 *
 * @param diverged how many of the two unrolls diverged and got the penalty loss
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
        long computeNanos)
        implements Serializable {
    /** Bytes of one result in the Kryo wire format (without the class id). */
    public static final int WIRE_BYTES = 8 + 4 + 4 + 8 + 8 + 4 + 8 + 8;
}
