package org.metricopt.driver.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One named benchmark figure and the value it took in each run. Reported as the median with the
 * minimum and maximum, because the machines these run on are shared and single runs are noisy.
 *
 * @param bench the benchmark, e.g. {@code inner-loop}
 * @param workload the workload of that benchmark, e.g. {@code mlp-input-bias}
 * @param figure what was measured, e.g. {@code steps_per_s}
 * @param unit the unit of the values, e.g. {@code 1/s}
 * @param samples the value of each run, in run order (at least one)
 */
public record Figure(String bench, String workload, String figure, String unit, double[] samples) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public Figure {
        if (samples == null || samples.length == 0) {
            throw new IllegalArgumentException(
                    "figure " + figure + " of " + bench + " needs at least one sample");
        }
        samples = samples.clone();
    }

    /** A figure with one sample (a ratio or a projection computed once, not a repeated run). */
    public static Figure single(
            String bench, String workload, String figure, String unit, double value) {
        return new Figure(bench, workload, figure, unit, new double[] {value});
    }

    /** The median of the samples (the mean of the middle two for an even count). */
    public double median() {
        return median(samples);
    }

    /** The median of {@code values} (the mean of the middle two for an even count). */
    public static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2.0;
    }

    public double min() {
        return Arrays.stream(samples).min().orElseThrow();
    }

    public double max() {
        return Arrays.stream(samples).max().orElseThrow();
    }

    public int runs() {
        return samples.length;
    }

    /**
     * One JSON object on one line: {@code bench, workload, figure, unit, median, min, max} as the
     * issue specifies, followed by {@code runs}, the number of samples.
     */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bench", bench);
        m.put("workload", workload);
        m.put("figure", figure);
        m.put("unit", unit);
        m.put("median", median());
        m.put("min", min());
        m.put("max", max());
        m.put("runs", runs());
        try {
            return JSON.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers is always JSON", e);
        }
    }

    /** One human-readable line, e.g. {@code inner-loop mlp-input-bias steps_per_s: median ...}. */
    public String toHuman() {
        return String.format(
                Locale.ROOT,
                "%s %s %s: median %.2f %s (min %.2f, max %.2f, %d run%s)",
                bench,
                workload,
                figure,
                median(),
                unit,
                min(),
                max(),
                runs(),
                runs() == 1 ? "" : "s");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Figure f
                && bench.equals(f.bench)
                && workload.equals(f.workload)
                && figure.equals(f.figure)
                && unit.equals(f.unit)
                && Arrays.equals(samples, f.samples);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Objects.hash(bench, workload, figure, unit)
                + Arrays.hashCode(samples);
    }

    @Override
    public String toString() {
        return toHuman();
    }
}
