package org.metricopt.common.unroll;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The finetuning methods a run can compare (docs/DESIGN.md sections 3.4 and 6): each is an update
 * rule over a base optimizer, and the {@code -best-observed} ones are another method's unroll
 * returning its best observed checkpoint instead of phi_T. Configuration, Parquet rows and the wire
 * carry the {@link #id()}; everything else asks this enum.
 */
public enum Method {
    CE_SGD("ce-sgd", Rule.CROSS_ENTROPY, "sgd"),
    CE_ADAM("ce-adam", Rule.CROSS_ENTROPY, "adam"),
    CE_SGD_BEST_OBSERVED("ce-sgd-best-observed", Rule.CROSS_ENTROPY, "sgd"),
    CE_ADAM_BEST_OBSERVED("ce-adam-best-observed", Rule.CROSS_ENTROPY, "adam"),
    AP_SURROGATE("ap-surrogate", Rule.AP_SURROGATE, "adam"),
    METRICOPT_SGD("metricopt-sgd", Rule.VALUE_FUNCTION, "sgd"),
    METRICOPT_ADAM("metricopt-adam", Rule.VALUE_FUNCTION, "adam"),
    METRICOPT_SGD_BEST_OBSERVED("metricopt-sgd-best-observed", Rule.VALUE_FUNCTION, "sgd"),
    METRICOPT_ADAM_BEST_OBSERVED("metricopt-adam-best-observed", Rule.VALUE_FUNCTION, "adam"),
    METRICOPT_RANDOM_SGD("metricopt-random-sgd", Rule.RANDOM_DIRECTION, "sgd"),
    METRICOPT_RANDOM_ADAM("metricopt-random-adam", Rule.RANDOM_DIRECTION, "adam"),
    METRICOPT_ORACLE_SGD("metricopt-oracle-sgd", Rule.ORACLE_DIRECTION, "sgd"),
    METRICOPT_ORACLE_ADAM("metricopt-oracle-adam", Rule.ORACLE_DIRECTION, "adam"),
    METRICOPT_LEARNED("metricopt-learned", Rule.LEARNED_OPTIMIZER, "learned");

    /** What a method adds to (or puts in place of) its base optimizer's loss gradient. */
    public enum Rule {
        /** Nothing: the surrogate loss's gradient alone. */
        CROSS_ENTROPY,
        /** The average-precision surrogate loss in place of cross-entropy (binary tasks only). */
        AP_SURROGATE,
        /** lambda_v times the norm-matched gradient of the value function (MetricOpt). */
        VALUE_FUNCTION,
        /** The same with a random direction: the control that f carries information. */
        RANDOM_DIRECTION,
        /** The same with the validation-loss gradient: an upper bound, not a method. */
        ORACLE_DIRECTION,
        /** The learned optimizer in place of SGD/Adam. */
        LEARNED_OPTIMIZER
    }

    static final String BEST_OBSERVED_SUFFIX = "-best-observed";

    private final String id;
    private final Rule rule;
    private final String baseOptimizer;

    Method(String id, Rule rule, String baseOptimizer) {
        this.id = id;
        this.rule = rule;
        this.baseOptimizer = baseOptimizer;
    }

    /** The id in configuration files, reports and Parquet rows, e.g. {@code metricopt-sgd}. */
    public String id() {
        return id;
    }

    public Rule rule() {
        return rule;
    }

    /** {@code sgd}, {@code adam} or {@code learned}. */
    public String baseOptimizer() {
        return baseOptimizer;
    }

    /** Whether it adds a lambda_v-weighted direction to its base optimizer's gradient. */
    public boolean valueGuided() {
        return rule == Rule.VALUE_FUNCTION
                || rule == Rule.RANDOM_DIRECTION
                || rule == Rule.ORACLE_DIRECTION;
    }

    /** Whether it reads the best observed checkpoint of another method's unroll. */
    public boolean bestObserved() {
        return id.endsWith(BEST_OBSERVED_SUFFIX);
    }

    /** The method whose unroll it is: itself, or X for X-best-observed. */
    public Method unrolled() {
        return bestObserved()
                ? of(id.substring(0, id.length() - BEST_OBSERVED_SUFFIX.length()))
                : this;
    }

    /** X-best-observed for X, if the run can report it (empty otherwise). */
    public java.util.Optional<Method> withBestObserved() {
        for (Method m : values()) {
            if (m.id.equals(id + BEST_OBSERVED_SUFFIX)) {
                return java.util.Optional.of(m);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * The cross-entropy baseline with the same base optimizer: what a value-guided method's
     * learning rate is tuned as.
     */
    public Method crossEntropyBaseline() {
        return "sgd".equals(baseOptimizer) ? CE_SGD : CE_ADAM;
    }

    /** Whether it is a control or a bound rather than a method (random and oracle directions). */
    public boolean control() {
        return rule == Rule.RANDOM_DIRECTION || rule == Rule.ORACLE_DIRECTION;
    }

    /** The method with this id; a one-line error listing the ids otherwise. */
    public static Method of(String id) {
        for (Method m : values()) {
            if (m.id.equals(id)) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                String.format(
                        Locale.ROOT,
                        "unknown method '%s'; known methods: %s",
                        id,
                        String.join(", ", ids())));
    }

    /** Every id, in the order reports list them. */
    public static List<String> ids() {
        List<String> out = new ArrayList<>();
        for (Method m : values()) {
            out.add(m.id);
        }
        return out;
    }
}
