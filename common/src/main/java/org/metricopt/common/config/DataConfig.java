package org.metricopt.common.config;

import java.io.Serializable;

/**
 * Where the dataset lives and how it is split (docs/DESIGN.md section 2).
 *
 * @param root directory URI of the four Fashion-MNIST IDX files
 * @param pretrainCount training images [0, pretrainCount) pre-train theta
 * @param metaTestPoolFraction fraction of the task pool reserved for meta-test tasks
 */
public record DataConfig(String root, int pretrainCount, double metaTestPoolFraction)
        implements Serializable {}
