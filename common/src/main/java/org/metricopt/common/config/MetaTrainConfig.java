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
 */
public record MetaTrainConfig(
        int iterations,
        int tasksPerIteration,
        List<String> optimizers,
        int checkpointEvery,
        double maxFailedFraction,
        double logIntervalS)
        implements Serializable {}
