package org.metricopt.common.config;

import java.io.Serializable;
import java.util.List;

/**
 * The meta-training loop.
 *
 * @param optimizers optimizers of the meta-training unrolls, used in turn by task index
 * @param maxFailedFraction the run stops when more than this fraction of an iteration fails
 */
public record MetaTrainConfig(
        int iterations,
        int tasksPerIteration,
        List<String> optimizers,
        int checkpointEvery,
        double maxFailedFraction)
        implements Serializable {}
