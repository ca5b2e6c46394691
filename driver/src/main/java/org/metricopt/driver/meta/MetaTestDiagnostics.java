package org.metricopt.driver.meta;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.metricopt.common.config.MetricOptConfig;
import org.metricopt.common.outer.MetaState;
import org.metricopt.common.unroll.Method;
import org.metricopt.common.unroll.Trajectory;
import org.metricopt.common.valuefn.ForwardSpearman;
import org.metricopt.common.valuefn.InputScaler;
import org.metricopt.common.valuefn.ValueDiagnostics;
import org.metricopt.common.valuefn.ValueFunction;
import org.metricopt.common.valuefn.ValueLearner;
import org.metricopt.driver.eval.EvalReport;
import org.metricopt.executor.EvalUnit;

/**
 * Why MetricOpt helps or not, per family of a meta-test (docs/DESIGN.md section 6): how the
 * meta-learned value function ranks held-out CE trajectories against the step index, how its
 * online-adapted copy ranks the observations still to come in MetricOpt's own unrolls, and how its
 * gradient compares with the oracle gradient of the validation loss.
 */
final class MetaTestDiagnostics {
    private MetaTestDiagnostics() {}

    private static InputScaler scaler(MetaState state) {
        return new InputScaler(
                state.array(MetaState.SCALER_MEAN), state.array(MetaState.SCALER_STD));
    }

    /**
     * Per unit index of a finished CE unroll: the Spearman correlation between the meta-learned
     * value function (before any adaptation) and the observed metric at the observation steps.
     */
    static Map<Integer, Double> priorSpearmans(
            MetricOptConfig config,
            MetaState state,
            List<EvalUnit> units,
            List<Trajectory> results) {
        ValueLearner learner = ValueLearner.of(config);
        InputScaler scaler = scaler(state);
        Map<Integer, Double> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < units.size(); i++) {
                Trajectory t = results.get(i);
                if (!t.ok() || units.get(i).kind().rule() != Method.Rule.CROSS_ENTROPY) {
                    continue;
                }
                try (ValueFunction f =
                        new ValueFunction(
                                m,
                                learner.inputs(),
                                t.adapterDim(),
                                config.valueFunction().hidden(),
                                scaler,
                                state.array(MetaState.VALUE_WEIGHTS))) {
                    out.put(
                            i,
                            ValueDiagnostics.spearmanAtObservations(
                                    f.predict(t.phis(), learner.context(t, scaler)), t));
                }
            }
        }
        return out;
    }

    static Map<String, EvalReport.Diagnostics> compute(
            MetricOptConfig config,
            MetaState state,
            List<String> families,
            List<EvalUnit> units,
            List<Trajectory> results) {
        ValueLearner learner = ValueLearner.of(config);
        InputScaler scaler = scaler(state);
        Map<Integer, Double> prior = priorSpearmans(config, state, units, results);
        Map<String, EvalReport.Diagnostics> out = new LinkedHashMap<>();
        for (String family : families) {
            List<Double> priors = new ArrayList<>();
            List<Double> stepIndex = new ArrayList<>();
            List<Double> forward = new ArrayList<>();
            List<Double> forwardStep = new ArrayList<>();
            List<Double> forwardTest = new ArrayList<>();
            List<Double> cosines = new ArrayList<>();
            List<Double> norms = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) {
                EvalUnit u = units.get(i);
                Trajectory t = results.get(i);
                if (!t.ok() || !family.equals(u.spec().family())) {
                    continue;
                }
                if (prior.containsKey(i)) {
                    priors.add(prior.get(i));
                    stepIndex.add(ValueDiagnostics.stepIndexSpearman(t));
                }
                if (u.kind() == Method.METRICOPT_SGD || u.kind() == Method.METRICOPT_ADAM) {
                    for (double rho :
                            ForwardSpearman.of(
                                            learner,
                                            state.array(MetaState.VALUE_WEIGHTS),
                                            scaler,
                                            t,
                                            u.spec().seed())
                                    .spearman()) {
                        forward.add(rho);
                    }
                    addForwardBaselines(t, forwardStep, forwardTest);
                    double[] diag = t.valueDiagnostics();
                    for (int k = 0; k + 1 < diag.length; k += 2) {
                        cosines.add(diag[k]);
                        norms.add(diag[k + 1]);
                    }
                }
            }
            out.put(
                    family,
                    new EvalReport.Diagnostics(
                            mean(priors),
                            mean(stepIndex),
                            mean(forward),
                            mean(forwardStep),
                            mean(forwardTest),
                            mean(cosines),
                            mean(norms)));
        }
        return out;
    }

    /**
     * For every observation k with at least three later ones, how the step index and the metric
     * measured on the test split rank the later validation observations k+1..K: the trivial and the
     * noise-limited references of the forward Spearman.
     */
    static void addForwardBaselines(Trajectory t, List<Double> stepIndex, List<Double> test) {
        int n = t.observedSteps().length;
        double[] observed = t.observedMetrics();
        for (int k = 0; k < n - 3; k++) {
            double[] steps = new double[n];
            for (int j = 0; j < n; j++) {
                steps[j] = -t.observedSteps()[j];
            }
            stepIndex.add(ValueDiagnostics.spearman(steps, observed, k + 1));
            if (t.observedTestMetrics().length == n) {
                test.add(ValueDiagnostics.spearman(t.observedTestMetrics(), observed, k + 1));
            }
        }
    }

    /** Mean of the finite values; NaN without any. */
    static double mean(List<Double> values) {
        double s = 0;
        int n = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                s += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** The diagnostics and the chosen lambda_v, a few lines per family for the console. */
    static String toConsole(
            Map<String, EvalReport.Diagnostics> diagnostics, EvalReport.Summary summary) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, EvalReport.Diagnostics> e : diagnostics.entrySet()) {
            EvalReport.Diagnostics d = e.getValue();
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%s: prior Spearman %.3f (step index %.3f), forward Spearman %.3f"
                                    + " (step index %.3f, test metric %.3f), cos(grad f, grad"
                                    + " validation loss) %.3f, raw |grad f| %.3g",
                            d.row(e.getKey())));
            EvalReport.FamilySummary f = summary.families().get(e.getKey());
            if (f != null) {
                for (Map.Entry<String, EvalReport.MethodSummary> m : f.methods().entrySet()) {
                    if (Double.isFinite(m.getValue().lambda())) {
                        sb.append(
                                String.format(
                                        Locale.ROOT,
                                        ", %s lambda_v %s",
                                        m.getKey(),
                                        m.getValue().lambda()));
                    }
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
