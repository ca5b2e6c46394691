package org.metricopt.driver;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.metricopt.common.errors.ErrorClass;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.common.unroll.Trajectory;

/**
 * A command whose unrolls all failed in some family has nothing to report for it: it must not end
 * with exit code 0, or a scheduler reads a table of failures as a success. One bad task is recorded
 * and the run goes on; a whole family of them stops the command (exit 6), after its results were
 * written so they can be read.
 */
public final class FamilyFailures {
    private FamilyFailures() {}

    /**
     * @param what the command, for the message ("finetune", "meta-test")
     * @param where where the written results are, for the message
     * @throws MetricOptException {@link ErrorClass#METRIC_FAILURE} naming the first family whose
     *     every unroll failed, how many, and the first failure
     */
    public static void requireEveryFamily(String what, List<Trajectory> results, String where) {
        Map<String, int[]> counts = new TreeMap<>();
        Map<String, String> firstFailure = new TreeMap<>();
        for (Trajectory t : results) {
            int[] c = counts.computeIfAbsent(t.family(), k -> new int[2]);
            c[0]++;
            if (t.ok()) {
                c[1]++;
            } else {
                firstFailure.putIfAbsent(t.family(), t.taskId() + ": " + t.failure());
            }
        }
        for (Map.Entry<String, int[]> e : counts.entrySet()) {
            if (e.getValue()[1] == 0) {
                throw new MetricOptException(
                        ErrorClass.METRIC_FAILURE,
                        what
                                + ": all "
                                + e.getValue()[0]
                                + " unrolls of family "
                                + e.getKey()
                                + " failed; first: "
                                + firstFailure.get(e.getKey())
                                + "; the results are in "
                                + where);
            }
        }
    }
}
