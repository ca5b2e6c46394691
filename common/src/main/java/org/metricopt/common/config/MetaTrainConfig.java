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
 * @param adaptOn where each task's value-function adaptation runs: {@link #EXECUTORS}, on the
 *     executor that unrolled the task, as the last step of its phase-A task (the driver then only
 *     averages the adapted weights), or {@link #DRIVER}, one task after another on the driver.
 *     Results are the same bit for bit; docs/DESIGN.md section 4.1
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
        double[] lrMultipliers,
        String adaptOn)
        implements Serializable {
    public static final String EXECUTORS = "executors";
    public static final String DRIVER = "driver";

    public boolean adaptOnExecutors() {
        return EXECUTORS.equals(adaptOn);
    }
}
