package org.metricopt.common.metrics;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.util.List;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * Resolves the configured metric name to a {@link Metric}, and evaluates metrics defensively.
 *
 * <p>A name is either a built-in id ({@link #builtinIds()}) or the fully qualified name of a user
 * class that implements {@link Metric} and has a public no-argument constructor. User classes are
 * loaded through the thread context class loader, so jars added with {@code spark-submit --jars}
 * are found, falling back to the loader of this class. Every failure is a one-line {@link
 * MetricOptException} naming the value and what is allowed: {@link ErrorClass#INVALID_CONFIG} for a
 * name that is neither a built-in id nor a class name, {@link ErrorClass#METRIC_FAILURE} for a
 * class that cannot be loaded or used.
 */
public final class Metrics {

    /** The configuration key the metric name is read from; error messages name it. */
    public static final String CONFIG_KEY = "metric";

    private static final String TOP_K_PREFIX = TopKError.ID_PREFIX + ":";

    /** Selects an external program as the metric: {@code command:PROGRAM ARG...}. */
    public static final String COMMAND_PREFIX = CommandMetric.PREFIX;

    private static final List<String> BUILTIN_IDS =
            List.of(
                    MisclassificationRate.ID,
                    OneMinusAucpr.ID,
                    OneMinusAuroc.ID,
                    OneMinusF1.ID,
                    TOP_K_PREFIX + "K",
                    COMMAND_PREFIX + "PROGRAM ARG...");

    private static final String ALLOWED =
            "allowed: "
                    + String.join(", ", BUILTIN_IDS)
                    + ", or a class name implementing "
                    + Metric.class.getName();

    private Metrics() {}

    /**
     * The built-in metric names {@link #load} accepts, the top-k error written as its pattern
     * {@code top-k-error:K} (K an integer, at least 1).
     */
    public static List<String> builtinIds() {
        return BUILTIN_IDS;
    }

    /**
     * The metric configured by {@code name}: a built-in id, {@code top-k-error:K}, {@code
     * command:PROGRAM ARG...} (see {@link CommandMetric}), or a fully qualified class name (any
     * other name containing a '.'). Only the class a name gives is ever loaded: there is no
     * classpath scanning or service discovery of plug-ins.
     *
     * @throws MetricOptException {@link ErrorClass#INVALID_CONFIG} for an unknown or malformed
     *     name, {@link ErrorClass#METRIC_FAILURE} for a user class that cannot be loaded, does not
     *     implement {@link Metric}, or cannot be instantiated
     */
    public static Metric load(String name) {
        if (name == null || name.isBlank()) {
            throw new MetricOptException(
                    ErrorClass.INVALID_CONFIG,
                    CONFIG_KEY + " = " + quote(name) + ": no metric given; " + ALLOWED);
        }
        switch (name) {
            case MisclassificationRate.ID:
                return new MisclassificationRate();
            case OneMinusAucpr.ID:
                return new OneMinusAucpr();
            case OneMinusAuroc.ID:
                return new OneMinusAuroc();
            case OneMinusF1.ID:
                return new OneMinusF1();
            default:
                break;
        }
        if (name.startsWith(COMMAND_PREFIX)) {
            return CommandMetric.parse(name);
        }
        if (name.equals(TopKError.ID_PREFIX) || name.startsWith(TOP_K_PREFIX)) {
            return new TopKError(parseK(name));
        }
        if (name.contains(".")) {
            return loadClass(name);
        }
        throw new MetricOptException(
                ErrorClass.INVALID_CONFIG,
                CONFIG_KEY + " = " + quote(name) + ": unknown metric; " + ALLOWED);
    }

    /**
     * Evaluates {@code metric} and checks the result, so a faulty user metric fails loudly instead
     * of steering the optimiser: an exception from the metric, a non-finite value, or a value
     * outside {@code [lowerBound(), upperBound()]} becomes a {@link ErrorClass#METRIC_FAILURE}. An
     * {@link IllegalArgumentException} from the metric (predictions that do not suit it) is passed
     * on unchanged.
     */
    public static double evaluateChecked(Metric metric, Predictions predictions) {
        String id = describe(metric);
        double lower = metric.lowerBound();
        double upper = metric.upperBound();
        if (!(lower < upper) || Double.isInfinite(lower) || Double.isInfinite(upper)) {
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    "metric "
                            + id
                            + " declares the range ["
                            + lower
                            + ", "
                            + upper
                            + "]; lowerBound() and upperBound() must be finite with"
                            + " lowerBound() < upperBound()");
        }
        double value;
        try {
            value = metric.evaluate(predictions);
        } catch (IllegalArgumentException | MetricOptException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    "metric " + id + " failed: " + e.getClass().getName() + ": " + e.getMessage(),
                    e);
        }
        if (!(value >= lower && value <= upper)) {
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    "metric "
                            + id
                            + " returned "
                            + value
                            + ", outside its declared range ["
                            + lower
                            + ", "
                            + upper
                            + "]; fix the metric or its lowerBound()/upperBound()");
        }
        return value;
    }

    private static int parseK(String name) {
        String suffix =
                name.length() > TOP_K_PREFIX.length() ? name.substring(TOP_K_PREFIX.length()) : "";
        int k;
        try {
            k = suffix.isEmpty() ? 0 : Integer.parseInt(suffix);
        } catch (NumberFormatException e) {
            k = 0;
        }
        if (k < 1 || !suffix.equals(Integer.toString(k))) {
            throw new MetricOptException(
                    ErrorClass.INVALID_CONFIG,
                    CONFIG_KEY
                            + " = "
                            + quote(name)
                            + ": the top-k error needs its K written as top-k-error:K with an"
                            + " integer K >= 1, for example top-k-error:5");
        }
        return k;
    }

    private static Metric loadClass(String className) {
        Class<?> type = findClass(className);
        if (!Metric.class.isAssignableFrom(type)) {
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    CONFIG_KEY
                            + " = "
                            + quote(className)
                            + ": class "
                            + className
                            + " does not implement "
                            + Metric.class.getName()
                            + "; use a class that does, or a built-in metric ("
                            + String.join(", ", BUILTIN_IDS)
                            + ")");
        }
        if (type.isInterface() || Modifier.isAbstract(type.getModifiers())) {
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    CONFIG_KEY
                            + " = "
                            + quote(className)
                            + ": "
                            + className
                            + " is abstract or an interface; name a concrete class");
        }
        Constructor<?> constructor;
        try {
            constructor = type.getConstructor();
        } catch (NoSuchMethodException e) {
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    CONFIG_KEY
                            + " = "
                            + quote(className)
                            + ": class "
                            + className
                            + " has no public no-argument constructor; add one (and make the"
                            + " class public, and static if it is nested)",
                    e);
        }
        try {
            return (Metric) constructor.newInstance();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    CONFIG_KEY
                            + " = "
                            + quote(className)
                            + ": the constructor of "
                            + className
                            + " threw "
                            + cause.getClass().getName()
                            + ": "
                            + cause.getMessage(),
                    cause);
        } catch (IllegalAccessException | InstantiationException e) {
            throw new MetricOptException(
                    ErrorClass.METRIC_FAILURE,
                    CONFIG_KEY
                            + " = "
                            + quote(className)
                            + ": cannot instantiate "
                            + className
                            + " ("
                            + e.getClass().getSimpleName()
                            + "); make the class and its no-argument constructor public",
                    e);
        }
    }

    private static Class<?> findClass(String className) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader own = Metrics.class.getClassLoader();
        ClassNotFoundException notFound = null;
        ClassLoader[] loaders =
                context == null || context == own
                        ? new ClassLoader[] {own}
                        : new ClassLoader[] {context, own};
        for (ClassLoader loader : loaders) {
            try {
                return Class.forName(className, true, loader);
            } catch (ClassNotFoundException e) {
                notFound = e;
            } catch (LinkageError e) {
                throw new MetricOptException(
                        ErrorClass.METRIC_FAILURE,
                        CONFIG_KEY
                                + " = "
                                + quote(className)
                                + ": class "
                                + className
                                + " was found but could not be initialised ("
                                + e.getClass().getName()
                                + ": "
                                + e.getMessage()
                                + "); check that its dependencies are on the classpath",
                        e);
            }
        }
        throw new MetricOptException(
                ErrorClass.METRIC_FAILURE,
                CONFIG_KEY
                        + " = "
                        + quote(className)
                        + ": class not found on the classpath; check the name, or add the jar"
                        + " that contains it (for example with spark-submit --jars); "
                        + ALLOWED,
                notFound);
    }

    private static String describe(Metric metric) {
        String id;
        try {
            id = metric.id();
        } catch (RuntimeException e) {
            id = null;
        }
        return quote(id) + " (" + metric.getClass().getName() + ")";
    }

    private static String quote(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }
}
