package org.metricopt.driver.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalVerdictTest {
    private static EvalRecord rec(String family, String task, String method, double value) {
        return new EvalRecord(
                family,
                "misclassification",
                task,
                method,
                "ok",
                "",
                0.1,
                Double.NaN,
                0.5,
                value,
                new int[] {0, 10},
                new double[] {0.5, value});
    }

    @Test
    void verdictSaysBetterWorseOrNotSignificantFromThePairedInterval() {
        List<EvalRecord> r = new ArrayList<>();
        double[] base = {0.30, 0.40, 0.35, 0.45};
        for (int i = 0; i < base.length; i++) {
            String t = "t" + i;
            r.add(rec("a", t, "ce-sgd", base[i]));
            r.add(rec("a", t, "metricopt-sgd", base[i] - 0.05 - 0.001 * i));
            r.add(rec("a", t, "ce-adam", base[i]));
            r.add(rec("a", t, "metricopt-adam", base[i] + 0.04 + 0.002 * i));
            r.add(rec("a", t, "metricopt-learned", base[i] + (i % 2 == 0 ? 0.03 : -0.03)));
        }
        String v = EvalReport.verdicts(EvalReport.summarise(r, Double.NaN, "cmd"));
        assertThat(v).contains("a: metricopt-sgd is **better than** ce-sgd");
        assertThat(v).contains("a: metricopt-adam is **worse than** ce-adam");
        assertThat(v).contains("a: metricopt-learned is not significantly different from ce-adam");
    }
}
