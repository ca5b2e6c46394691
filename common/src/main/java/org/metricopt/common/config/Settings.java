package org.metricopt.common.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.util.List;
import java.util.Locale;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;

/**
 * Typed, range-checked reads from a resolved configuration. Every failure is one line naming the
 * key, the value found and what is allowed.
 */
public final class Settings {
    private final Config config;
    private final String prefix;

    public Settings(Config config, String prefix) {
        this.config = config;
        this.prefix = prefix.isEmpty() ? "" : prefix + ".";
    }

    public Settings child(String key) {
        Config sub;
        try {
            sub = config.getConfig(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), "an object of settings");
        }
        return new Settings(sub, prefix + key);
    }

    public Config raw() {
        return config;
    }

    public static MetricOptException invalid(String key, Object value, String allowed) {
        return new MetricOptException(
                ErrorClass.INVALID_CONFIG,
                "config key "
                        + key
                        + " = "
                        + (Redaction.isSensitiveKey(key)
                                ? Redaction.MASK
                                : Redaction.maskUriPasswords(render(value)))
                        + " is not allowed; expected "
                        + allowed);
    }

    private static String render(Object value) {
        if (value instanceof ConfigValue v) {
            return v.render(com.typesafe.config.ConfigRenderOptions.concise());
        }
        if (value instanceof String s) {
            return "\"" + s + "\"";
        }
        return String.valueOf(value);
    }

    private String full(String key) {
        return prefix + key;
    }

    private Object rawValue(String key) {
        return config.hasPathOrNull(key) ? config.getValue(key) : "<missing>";
    }

    public boolean has(String key) {
        return config.hasPath(key);
    }

    public int intIn(String key, int min, int max) {
        int v;
        try {
            v = config.getInt(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), "an integer in [" + min + ", " + max + "]");
        }
        if (v < min || v > max) {
            throw invalid(full(key), v, "an integer in [" + min + ", " + max + "]");
        }
        return v;
    }

    public long longValue(String key) {
        try {
            return config.getLong(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), "a 64-bit integer");
        }
    }

    /** A double in [min, max]; {@code openMin} excludes min itself (for strictly positive). */
    public double doubleIn(String key, double min, double max, boolean openMin) {
        double v;
        String allowed = "a number in " + (openMin ? "(" : "[") + fmt(min) + ", " + fmt(max) + "]";
        try {
            v = config.getDouble(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), allowed);
        }
        if (!Double.isFinite(v) || v < min || v > max || (openMin && v == min)) {
            throw invalid(full(key), v, allowed);
        }
        return v;
    }

    private static String fmt(double d) {
        if (d == Double.MAX_VALUE) {
            return "inf";
        }
        if (d == -Double.MAX_VALUE) {
            return "-inf";
        }
        return d == Math.rint(d) && Math.abs(d) < 1e15
                ? Long.toString((long) d)
                : Double.toString(d);
    }

    public String string(String key) {
        try {
            return config.getString(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), "a string");
        }
    }

    public String oneOf(String key, List<String> allowed) {
        String v = string(key).toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw invalid(full(key), v, "one of " + String.join(", ", allowed));
        }
        return v;
    }

    public boolean bool(String key) {
        try {
            return config.getBoolean(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), "true or false");
        }
    }

    /** A two-element list [lo, hi] with min <= lo <= hi <= max. */
    public Range range(String key, double min, double max) {
        String allowed = "a list [lo, hi] with " + fmt(min) + " <= lo <= hi <= " + fmt(max);
        List<Double> list;
        try {
            list = config.getDoubleList(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), allowed);
        }
        if (list.size() != 2) {
            throw invalid(full(key), rawValue(key), allowed);
        }
        double lo = list.get(0);
        double hi = list.get(1);
        if (!(lo >= min && lo <= hi && hi <= max)) {
            throw invalid(full(key), rawValue(key), allowed);
        }
        return new Range(lo, hi);
    }

    public int[] intList(String key, int size, int min, int max) {
        String allowed = "a list of " + size + " integers in [" + min + ", " + max + "]";
        List<Integer> list;
        try {
            list = config.getIntList(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), allowed);
        }
        if (list.size() != size) {
            throw invalid(full(key), rawValue(key), allowed);
        }
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = list.get(i);
            if (out[i] < min || out[i] > max) {
                throw invalid(full(key), rawValue(key), allowed);
            }
        }
        return out;
    }

    /** A non-empty list of distinct strings, each one of {@code allowed}. */
    public List<String> stringList(String key, List<String> allowed) {
        String expected = "a non-empty list of distinct values from " + allowed;
        List<String> list;
        try {
            list = config.getStringList(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), expected);
        }
        if (list.isEmpty() || new java.util.HashSet<>(list).size() != list.size()) {
            throw invalid(full(key), rawValue(key), expected);
        }
        for (String v : list) {
            if (!allowed.contains(v)) {
                throw invalid(full(key), rawValue(key), expected);
            }
        }
        return List.copyOf(list);
    }

    /** A non-empty list of numbers in (min, max]. */
    public double[] doubleList(String key, double min, double max) {
        String expected = "a non-empty list of numbers in (" + fmt(min) + ", " + fmt(max) + "]";
        List<Double> list;
        try {
            list = config.getDoubleList(key);
        } catch (ConfigException e) {
            throw invalid(full(key), rawValue(key), expected);
        }
        if (list.isEmpty()) {
            throw invalid(full(key), rawValue(key), expected);
        }
        double[] out = new double[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i);
            if (!(out[i] > min && out[i] <= max)) {
                throw invalid(full(key), rawValue(key), expected);
            }
        }
        return out;
    }
}
