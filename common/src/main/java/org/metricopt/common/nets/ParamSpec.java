package org.metricopt.common.nets;

import ai.djl.ndarray.types.Shape;

/**
 * One named parameter tensor of theta.
 *
 * @param fanIn inputs per output unit, for He initialisation; 0 for biases (initialised to 0)
 */
public record ParamSpec(String name, Shape shape, int fanIn) {
    public int size() {
        return (int) shape.size();
    }
}
