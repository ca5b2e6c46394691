package org.metricopt.executor;

import java.io.Serializable;

/**
 * What an ES pair returns: its key and the two optimizer losses. A few dozen bytes, whatever the
 * size of w_opt.
 *
 * @param diverged how many of the two unrolls diverged and got the penalty loss
 */
public record EsResult(
        long iteration,
        int task,
        int pair,
        double lossPlus,
        double lossMinus,
        int diverged,
        long computeNanos)
        implements Serializable {}
