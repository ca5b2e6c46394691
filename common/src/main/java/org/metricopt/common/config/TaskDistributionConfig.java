package org.metricopt.common.config;

import java.io.Serializable;
import java.util.SortedMap;

/**
 * The task distribution p(T): a mixture of families and the per-task data sizes.
 *
 * @param mixture family name to relative weight, sorted by name so sampling is deterministic
 * @param families family name to its settings
 */
public record TaskDistributionConfig(
        SortedMap<String, Double> mixture,
        int trainSize,
        int valSize,
        int testSize,
        SortedMap<String, FamilyConfig> families)
        implements Serializable {}
