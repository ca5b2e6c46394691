package org.metricopt.common.config;

import java.io.Serializable;

/**
 * The whole resolved and validated configuration of a run. Immutable; built only by {@link
 * ConfigLoader}, which checks every key once so that nothing downstream re-validates.
 *
 * @param seed root of every random draw (docs/DESIGN.md section 5)
 * @param finetuneTasks number of tasks of the {@code finetune} command
 * @param hadoop Hadoop client settings of the {@code hadoop} block (may hold credentials: never
 *     print or persist them)
 * @param resolvedJson the resolved configuration as JSON with credentials redacted (see {@link
 *     Redaction}), for run.json and configuration fingerprints
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
        java.util.SortedMap<String, String> hadoop,
        String resolvedJson)
        implements Serializable {}
