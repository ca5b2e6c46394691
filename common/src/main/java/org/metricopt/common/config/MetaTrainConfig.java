package org.metricopt.common.config;

import java.io.Serializable;
import java.util.List;

/**
 * The meta-training loop.
 *
 * @param optimizers optimizers of the meta-training unrolls, used in turn by task index
 * @param maxFailedFraction the run stops when more than this fraction of an iteration fails
 * @param logIntervalS the run's metrics/ and trajectories/ rows are written once at least this many
 *     seconds have passed since the last write, and always with a checkpoint (0 = after every
 *     iteration)
 * @param probePairs P antithetic metric probes per observation of a meta-training unroll (0: none)
 * @param probeRadius expected norm of a probe offset
 * @param lrMultipliers each meta-training task's learning rate is its optimizer's base rate times
 *     one of these, drawn by the task's key: the value function then sees the regions of phi that
 *     the tuned learning rates of meta-test reach
 */
public record MetaTrainConfig(
        int iterations,
        int tasksPerIteration,
        List<String> optimizers,
        int checkpointEvery,
        double maxFailedFraction,
        double logIntervalS,
        int probePairs,
        double probeRadius,
        double[] lrMultipliers)
        implements Serializable {}
