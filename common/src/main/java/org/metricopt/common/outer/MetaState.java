package org.metricopt.common.outer;

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
    /** The value function's meta-weights w. */
    public static final String VALUE_WEIGHTS = "value_function.weights";

    /** The value function's input scaler, fitted on the first iteration's trajectories. */
    public static final String SCALER_MEAN = "value_function.scaler_mean";

    public static final String SCALER_STD = "value_function.scaler_std";

    /** Adam's moments and step count on w (value-function.meta-optimizer = adam). */
    public static final String VALUE_ADAM_M = "value_function.adam_m";

    public static final String VALUE_ADAM_V = "value_function.adam_v";
    public static final String VALUE_ADAM_STEP = "value_function.adam_step";

    /** The learned optimizer's weights w_opt, and its clipped Adam's moments and step count. */
    public static final String LEARNED_WEIGHTS = "learned_optimizer.weights";

    public static final String LEARNED_ADAM_M = "learned_optimizer.adam_m";
    public static final String LEARNED_ADAM_V = "learned_optimizer.adam_v";
    public static final String LEARNED_ADAM_STEP = "learned_optimizer.adam_step";

    /**
     * Running variances of the ES and reparameterisation estimates ({@link RunningVariance}), each
     * with a counter of its updates under the same name plus {@code _updates}.
     */
    public static final String LEARNED_VAR_ES = "learned_optimizer.running_variance_es";

    public static final String LEARNED_VAR_RP = "learned_optimizer.running_variance_reparam";

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
