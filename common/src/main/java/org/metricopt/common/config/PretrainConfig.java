package org.metricopt.common.config;

import java.io.Serializable;

/**
 * Pre-training of theta on the pre-training split.
 *
 * @param path directory URI where theta is saved and looked up
 */
public record PretrainConfig(String path, int epochs, int batchSize, double learningRate)
        implements Serializable {}
