package org.metricopt.common.config;

import java.io.Serializable;

/**
 * The whole resolved and validated configuration of a run. Immutable; built only by {@link
 * ConfigLoader}, which checks every key once so that nothing downstream re-validates.
 *
 * @param seed root of every random draw (DESIGN.md section 5)
 * @param finetuneTasks number of tasks of the {@code finetune} command
 * @param resolvedJson the resolved configuration as JSON, for run.json and checkpoints
 */
public record MetricOptConfig(
        long seed,
        DataConfig data,
        NetworkConfig network,
        PretrainConfig pretrain,
        TaskDistributionConfig tasks,
        InnerLoopConfig inner,
        SparkSettings spark,
        int finetuneTasks,
        ValueFunctionConfig valueFunction,
        MetaTrainConfig metaTrain,
        EvalConfig eval,
        LearnedOptimizerConfig learnedOptimizer,
        String resolvedJson)
        implements Serializable {}
