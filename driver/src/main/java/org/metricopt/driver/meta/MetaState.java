package org.metricopt.driver.meta;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The driver's whole meta-state between iterations, as named float arrays and counters: what a
 * checkpoint holds and what {@code --resume} restores. Immutable; every update makes a new state.
 * Random draws need no stored generator state: they are keyed by (seed, iteration, task, ...), so
 * the next iteration number is the only RNG counter.
 *
 * @param iteration the next meta-iteration to run
 * @param configFingerprint fingerprint of the configuration that produced this state
 */
public record MetaState(
        long iteration,
        String configFingerprint,
        SortedMap<String, float[]> arrays,
        SortedMap<String, Long> counters) {
    public static final String VALUE_WEIGHTS = "value_function.weights";
    public static final String SCALER_MEAN = "value_function.scaler_mean";
    public static final String SCALER_STD = "value_function.scaler_std";

    public MetaState {
        arrays = Collections.unmodifiableSortedMap(new TreeMap<>(arrays));
        counters = Collections.unmodifiableSortedMap(new TreeMap<>(counters));
    }

    public float[] array(String name) {
        float[] a = arrays.get(name);
        return a == null ? null : a.clone();
    }

    public boolean has(String name) {
        return arrays.containsKey(name);
    }

    public MetaState with(long nextIteration, String name, float[] value) {
        TreeMap<String, float[]> a = new TreeMap<>(arrays);
        a.put(name, value.clone());
        return new MetaState(nextIteration, configFingerprint, a, counters);
    }

    public MetaState withCounter(String name, long value) {
        TreeMap<String, Long> c = new TreeMap<>(counters);
        c.put(name, value);
        return new MetaState(iteration, configFingerprint, arrays, c);
    }

    public MetaState atIteration(long next) {
        return new MetaState(next, configFingerprint, arrays, counters);
    }
}
