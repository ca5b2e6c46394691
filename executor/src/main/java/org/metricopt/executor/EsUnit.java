package org.metricopt.executor;

import java.io.Serializable;
import org.metricopt.common.tasks.TaskSpec;

/**
 * One antithetic ES pair of phase B: which task (its slot in the iteration's batch, whose adapted
 * value function is in the broadcast) and which pair. The perturbation itself is not shipped: the
 * executor regenerates it from (run seed, iteration, task, pair).
 */
public record EsUnit(TaskSpec spec, long iteration, int task, int pair) implements Serializable {}
