package org.metricopt.driver.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.metricopt.common.config.EvalConfig;
import org.metricopt.common.io.HadoopFiles;
import org.metricopt.common.stats.Stats;
import org.metricopt.common.unroll.Method;

/**
 * The meta-test report: {@code eval/summary.json}, {@code eval/report.md} and the PNG plots of the
 * run directory (docs/DESIGN.md section 6), computed from the per task × method {@link
 * EvalRecord}s.
 *
 * <p>Per task family and method it reports the mean test metric with a Student-t 95% confidence
 * interval, and, against each cross-entropy baseline present in the family, the paired win rate
 * (ties count one half) and the mean paired difference with its 95% CI. Pairing is by task id over
 * the tasks on which both methods finished ({@link EvalRecord#ok()}), so a method that fails on
 * hard tasks is not rewarded for it. Lower metric values are better throughout.
 *
 * <p>Undefined numbers (no finished task, an interval from fewer than two values, an unknown
 * Spearman correlation) are {@code NaN} in the {@link Summary} and {@code null} in the JSON.
 */
public final class EvalReport {
    /**
     * Baselines every method is compared with when they ran, in order: the loss-only baselines,
     * their best-observed-checkpoint variants, and MetricOpt's random-direction controls and
     * validation-gradient oracles.
     */
    public static final List<String> BASELINES =
            Stream.of(
                            Method.CE_SGD,
                            Method.CE_ADAM,
                            Method.CE_SGD_BEST_OBSERVED,
                            Method.CE_ADAM_BEST_OBSERVED,
                            Method.METRICOPT_RANDOM_SGD,
                            Method.METRICOPT_RANDOM_ADAM,
                            Method.METRICOPT_ORACLE_SGD,
                            Method.METRICOPT_ORACLE_ADAM)
                    .map(Method::id)
                    .toList();

    /**
     * Methods in report order (the configuration's list of known methods); any other method
     * follows, sorted by id.
     */
    public static final List<String> METHOD_ORDER = EvalConfig.KNOWN_METHODS;

    /** The method plotted against {@code ce-sgd} in the per-task scatter plot. */
    public static final String SCATTER_METHOD = "metricopt-sgd";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private EvalReport() {}

    /**
     * Everything the report shows, as an immutable tree.
     *
     * @param families per family, sorted by family name
     * @param spearman Spearman rank correlation of the value function with the true metric
     * @param diagnostics per family, what tells why MetricOpt helps or not (may be empty)
     * @param command the command line that produced the numbers
     */
    public record Summary(
            Map<String, FamilySummary> families,
            double spearman,
            Map<String, Diagnostics> diagnostics,
            String command) {
        public Summary {
            families = frozen(families);
            diagnostics = frozen(diagnostics);
        }
    }

    /**
     * The value function on one family's held-out tasks (docs/DESIGN.md section 6); NaN where
     * unknown.
     *
     * @param priorSpearman Spearman between the meta-learned f (before adaptation) and the observed
     *     metric along held-out CE trajectories
     * @param stepIndexSpearman the same for the trivial predictor -step ("later is better") on the
     *     same trajectories
     * @param forwardSpearman after observation k of a MetricOpt unroll, f adapted on observations
     *     0..k ranks the later observations k+1..K; mean over k and tasks
     * @param forwardStepIndex the same for the step index ("later is better")
     * @param forwardCeiling the same for the metric measured on the test split at those steps: an
     *     independent measurement of the true metric, so roughly how well any predictor can rank
     *     the noisy validation observations
     * @param gradientCosine cosine between grad f and the gradient of the surrogate loss on the
     *     validation split (an oracle direction MetricOpt never sees) at the observations of the
     *     MetricOpt unrolls
     * @param gradientNorm the raw norm of grad f at those observations, before norm matching
     */
    public record Diagnostics(
            double priorSpearman,
            double stepIndexSpearman,
            double forwardSpearman,
            double forwardStepIndex,
            double forwardCeiling,
            double gradientCosine,
            double gradientNorm) {
        /** The family followed by every field in declaration order: one table row or line. */
        public Object[] row(String family) {
            return new Object[] {
                family,
                priorSpearman,
                stepIndexSpearman,
                forwardSpearman,
                forwardStepIndex,
                forwardCeiling,
                gradientCosine,
                gradientNorm
            };
        }
    }

    /**
     * One task family.
     *
     * @param tasks distinct held-out tasks in the family, finished or not
     * @param metric the task metric id (lower is better)
     * @param methods per method, in {@link #METHOD_ORDER}
     */
    public record FamilySummary(int tasks, String metric, Map<String, MethodSummary> methods) {
        public FamilySummary {
            methods = frozen(methods);
        }
    }

    /**
     * One method on one family.
     *
     * @param n finished tasks
     * @param failed records that did not finish
     * @param mean mean final test metric over finished tasks
     * @param lo lower end of the 95% CI of the mean ({@code NaN} when {@code n < 2})
     * @param hi upper end of the 95% CI of the mean ({@code NaN} when {@code n < 2})
     * @param learningRate the learning rate chosen for this method and family
     * @param lambda lambda_v chosen for this value-guided method and family (NaN for others)
     * @param versus paired comparisons with each baseline present in the family, in {@link
     *     #BASELINES} order; a method is never compared with itself
     */
    public record MethodSummary(
            int n,
            int failed,
            double mean,
            double lo,
            double hi,
            double learningRate,
            double lambda,
            Map<String, Comparison> versus) {
        public MethodSummary {
            versus = frozen(versus);
        }

        /** Half the width of the 95% CI, {@code NaN} when undefined. */
        public double halfCi() {
            return (hi - lo) / 2;
        }
    }

    /**
     * A method against one baseline over the tasks both finished.
     *
     * @param pairs tasks both methods finished
     * @param winRate fraction of those tasks where the method's metric is lower, ties counting one
     *     half ({@code NaN} without pairs)
     * @param meanDiff mean of (method − baseline); negative means the method is better
     * @param lo lower end of the 95% CI of the mean difference ({@code NaN} when {@code pairs < 2})
     * @param hi upper end of the 95% CI of the mean difference ({@code NaN} when {@code pairs < 2})
     */
    public record Comparison(int pairs, double winRate, double meanDiff, double lo, double hi) {
        /** Half the width of the 95% CI of the difference, {@code NaN} when undefined. */
        public double halfCi() {
            return (hi - lo) / 2;
        }

        /** Whether the 95% CI of the difference lies entirely on one side of zero. */
        public boolean excludesZero() {
            return hi < 0 || lo > 0;
        }
    }

    /**
     * Summarises the records of a meta-test.
     *
     * @param records one per held-out task × method, finished or failed
     * @param valueFunctionSpearman Spearman correlation of the value function with the metric,
     *     {@code NaN} when unknown
     * @param command the command line that produced the records
     * @throws IllegalArgumentException if a record lacks its family, method or task id, or if a
     *     family, method and task occur more than once
     */
    public static Summary summarise(
            List<EvalRecord> records, double valueFunctionSpearman, String command) {
        return summarise(records, valueFunctionSpearman, Map.of(), command);
    }

    /** As {@link #summarise(List, double, String)}, with the value function's diagnostics. */
    public static Summary summarise(
            List<EvalRecord> records,
            double valueFunctionSpearman,
            Map<String, Diagnostics> diagnostics,
            String command) {
        Map<String, List<EvalRecord>> byFamily = new TreeMap<>();
        Set<String> keys = new HashSet<>();
        for (EvalRecord r : records) {
            if (r.family() == null || r.method() == null || r.taskId() == null) {
                throw new IllegalArgumentException(
                        "every eval record needs a family, a method and a task id, but got family="
                                + r.family()
                                + ", method="
                                + r.method()
                                + ", taskId="
                                + r.taskId());
            }
            if (!keys.add(r.family() + '\u0000' + r.method() + '\u0000' + r.taskId())) {
                throw new IllegalArgumentException(
                        "eval record for family "
                                + r.family()
                                + ", method "
                                + r.method()
                                + " and task "
                                + r.taskId()
                                + " occurs more than once; each held-out task is finetuned once"
                                + " per method");
            }
            byFamily.computeIfAbsent(r.family(), k -> new ArrayList<>()).add(r);
        }
        Map<String, FamilySummary> families = new LinkedHashMap<>();
        for (Map.Entry<String, List<EvalRecord>> e : byFamily.entrySet()) {
            families.put(e.getKey(), summariseFamily(e.getValue()));
        }
        return new Summary(families, valueFunctionSpearman, diagnostics, command);
    }

    private static FamilySummary summariseFamily(List<EvalRecord> records) {
        Set<String> tasks = new TreeSet<>();
        String metric = null;
        Map<String, List<EvalRecord>> byMethod = new HashMap<>();
        for (EvalRecord r : records) {
            tasks.add(r.taskId());
            if (metric == null) {
                metric = r.metric();
            }
            byMethod.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(r);
        }
        Map<String, Map<String, Double>> finals = new HashMap<>();
        for (Map.Entry<String, List<EvalRecord>> e : byMethod.entrySet()) {
            Map<String, Double> byTask = new HashMap<>();
            for (EvalRecord r : e.getValue()) {
                if (r.ok()) {
                    byTask.put(r.taskId(), r.testMetricFinal());
                }
            }
            finals.put(e.getKey(), byTask);
        }
        Map<String, MethodSummary> methods = new LinkedHashMap<>();
        for (String method : orderMethods(byMethod.keySet())) {
            List<EvalRecord> rs = byMethod.get(method);
            double[] values =
                    finals.get(method).values().stream().mapToDouble(Double::doubleValue).toArray();
            double[] ci = meanCi(values);
            int failed = (int) rs.stream().filter(r -> !r.ok()).count();
            double lr =
                    rs.stream()
                            .mapToDouble(EvalRecord::learningRate)
                            .filter(Double::isFinite)
                            .findFirst()
                            .orElse(Double.NaN);
            double lambda =
                    rs.stream()
                            .mapToDouble(EvalRecord::lambda)
                            .filter(Double::isFinite)
                            .findFirst()
                            .orElse(Double.NaN);
            Map<String, Comparison> versus = new LinkedHashMap<>();
            for (String baseline : BASELINES) {
                if (!baseline.equals(method) && finals.containsKey(baseline)) {
                    versus.put(baseline, compare(finals.get(method), finals.get(baseline)));
                }
            }
            methods.put(
                    method,
                    new MethodSummary(
                            values.length, failed, ci[0], ci[1], ci[2], lr, lambda, versus));
        }
        return new FamilySummary(tasks.size(), metric, methods);
    }

    private static Comparison compare(Map<String, Double> method, Map<String, Double> baseline) {
        List<String> paired = new ArrayList<>(new TreeSet<>(method.keySet()));
        paired.retainAll(baseline.keySet());
        double[] diffs = new double[paired.size()];
        double wins = 0;
        for (int i = 0; i < diffs.length; i++) {
            double m = method.get(paired.get(i));
            double b = baseline.get(paired.get(i));
            diffs[i] = m - b;
            if (m < b) {
                wins += 1;
            } else if (m == b) {
                wins += 0.5;
            }
        }
        double[] ci = meanCi(diffs);
        double winRate = diffs.length == 0 ? Double.NaN : wins / diffs.length;
        return new Comparison(diffs.length, winRate, ci[0], ci[1], ci[2]);
    }

    /** Mean and 95% CI; a single value has a mean but no interval. */
    private static double[] meanCi(double[] values) {
        Stats.MeanCi ci = Stats.meanCi95(values);
        if (ci.n() < 2) {
            return new double[] {ci.mean(), Double.NaN, Double.NaN};
        }
        return new double[] {ci.mean(), ci.lo(), ci.hi()};
    }

    /** Orders method ids: {@link #METHOD_ORDER} first, then the others alphabetically. */
    static List<String> orderMethods(Set<String> methods) {
        List<String> ordered = new ArrayList<>();
        for (String m : METHOD_ORDER) {
            if (methods.contains(m)) {
                ordered.add(m);
            }
        }
        Set<String> others = new TreeSet<>(methods);
        METHOD_ORDER.forEach(others::remove);
        ordered.addAll(others);
        return ordered;
    }

    /**
     * Serialises a summary as {@code eval/summary.json}. Families are sorted by name and methods
     * follow {@link #METHOD_ORDER}; undefined numbers are written as {@code null}.
     */
    public static String toJson(Summary summary) {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode families = root.putObject("families");
        for (Map.Entry<String, FamilySummary> f : summary.families().entrySet()) {
            FamilySummary fs = f.getValue();
            ObjectNode family = families.putObject(f.getKey());
            family.put("tasks", fs.tasks());
            family.put("metric", fs.metric());
            ObjectNode methods = family.putObject("methods");
            for (Map.Entry<String, MethodSummary> m : fs.methods().entrySet()) {
                MethodSummary ms = m.getValue();
                ObjectNode method = methods.putObject(m.getKey());
                putNumber(method, "mean", ms.mean());
                putInterval(method, ms.lo(), ms.hi());
                method.put("n", ms.n());
                method.put("failed", ms.failed());
                putNumber(method, "learning_rate", ms.learningRate());
                if (Double.isFinite(ms.lambda())) {
                    putNumber(method, "lambda", ms.lambda());
                }
                ObjectNode winRates = method.putObject("win_rate_vs");
                ObjectNode diffs = method.putObject("diff_vs");
                for (Map.Entry<String, Comparison> c : ms.versus().entrySet()) {
                    Comparison cmp = c.getValue();
                    putNumber(winRates, c.getKey(), cmp.winRate());
                    ObjectNode diff = diffs.putObject(c.getKey());
                    putNumber(diff, "mean", cmp.meanDiff());
                    putInterval(diff, cmp.lo(), cmp.hi());
                    diff.put("excludes_zero", cmp.excludesZero());
                }
            }
        }
        ObjectNode vf = root.putObject("value_function");
        vf.set("spearman", number(summary.spearman()));
        ObjectNode perFamily = vf.putObject("families");
        for (Map.Entry<String, Diagnostics> e : summary.diagnostics().entrySet()) {
            Diagnostics d = e.getValue();
            ObjectNode f = perFamily.putObject(e.getKey());
            putNumber(f, "prior_spearman", d.priorSpearman());
            putNumber(f, "step_index_spearman", d.stepIndexSpearman());
            putNumber(f, "forward_spearman", d.forwardSpearman());
            putNumber(f, "forward_step_index_spearman", d.forwardStepIndex());
            putNumber(f, "forward_test_metric_spearman", d.forwardCeiling());
            putNumber(f, "gradient_cosine_validation", d.gradientCosine());
            putNumber(f, "gradient_norm_raw", d.gradientNorm());
        }
        root.put("command", summary.command());
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the eval summary", e);
        }
    }

    private static void putNumber(ObjectNode node, String key, double value) {
        node.set(key, number(value));
    }

    private static JsonNode number(double value) {
        return Double.isFinite(value)
                ? MAPPER.getNodeFactory().numberNode(value)
                : MAPPER.getNodeFactory().nullNode();
    }

    private static void putInterval(ObjectNode node, double lo, double hi) {
        if (Double.isFinite(lo) && Double.isFinite(hi)) {
            ArrayNode ci = node.putArray("ci95");
            ci.add(lo);
            ci.add(hi);
        } else {
            node.putNull("ci95");
        }
    }

    /**
     * Renders {@code eval/report.md}: the command, one table per family with the best mean in bold,
     * the value-function Spearman correlation and links to the plots {@link #renderPlots} writes
     * next to it.
     *
     * @param command the command line to show; the summary's own when {@code null}
     * @param generatedAtIso when the report was generated, ISO-8601
     */
    public static String toMarkdown(Summary summary, String command, String generatedAtIso) {
        String cmd = command != null ? command : summary.command();
        StringBuilder md = new StringBuilder();
        md.append("# MetricOpt meta-test report\n\n");
        md.append("Generated ").append(generatedAtIso).append(" by:\n\n");
        String fence = fenceFor(cmd == null ? "" : cmd);
        md.append(fence).append("shell\n").append(cmd == null ? "" : cmd).append('\n');
        md.append(fence).append("\n\n");
        md.append("Values are the task metric on the held-out test split (t10k) after finetuning;")
                .append(" lower is better. Means carry a Student-t 95% confidence interval;")
                .append(" win rates and differences are paired by task over the tasks both")
                .append(" methods finished, ties counting one half.\n\n");
        for (Map.Entry<String, FamilySummary> f : summary.families().entrySet()) {
            FamilySummary fs = f.getValue();
            md.append("## ").append(f.getKey()).append("\n\n");
            md.append("Metric `")
                    .append(fs.metric())
                    .append("`, ")
                    .append(fs.tasks())
                    .append(" tasks.\n\n");
            md.append("| method | mean ± half-CI | win rate vs CE+SGD | win rate vs CE+Adam")
                    .append(" | mean diff vs CE+SGD [95% CI] | lr | λ_v |\n");
            md.append("|---|---|---|---|---|---|---|\n");
            double best =
                    fs.methods().values().stream()
                            .mapToDouble(MethodSummary::mean)
                            .filter(Double::isFinite)
                            .min()
                            .orElse(Double.NaN);
            for (Map.Entry<String, MethodSummary> m : fs.methods().entrySet()) {
                MethodSummary ms = m.getValue();
                String method = escapeCell(m.getKey());
                if (ms.failed() > 0) {
                    method += " (" + ms.failed() + " failed)";
                }
                String mean = meanCell(ms.mean(), ms.halfCi());
                if (Double.isFinite(ms.mean()) && ms.mean() == best) {
                    mean = "**" + mean + "**";
                }
                Comparison sgd = ms.versus().get("ce-sgd");
                Comparison adam = ms.versus().get("ce-adam");
                md.append("| ")
                        .append(method)
                        .append(" | ")
                        .append(mean)
                        .append(" | ")
                        .append(winCell(sgd))
                        .append(" | ")
                        .append(winCell(adam))
                        .append(" | ")
                        .append(diffCell(sgd))
                        .append(" | ")
                        .append(lrCell(ms.learningRate()))
                        .append(" | ")
                        .append(lrCell(ms.lambda()))
                        .append(" |\n");
            }
            md.append('\n');
            md.append("![")
                    .append(f.getKey())
                    .append(": validation metric during finetuning](")
                    .append(curveName(f.getKey()))
                    .append(")\n\n");
            if (hasScatter(fs)) {
                md.append("![")
                        .append(f.getKey())
                        .append(": per-task test metric, ")
                        .append(SCATTER_METHOD)
                        .append(" against ce-sgd](")
                        .append(scatterName(f.getKey()))
                        .append(")\n\n");
            }
        }
        md.append("## Value function\n\n");
        md.append(
                        "Spearman rank correlation between the meta-learned value function (before any"
                                + " adaptation to the task) and the observed validation metric on"
                                + " held-out CE trajectories: ")
                .append(fmt(summary.spearman(), 4))
                .append(" (the target is 0.8).\n\n");
        if (!summary.diagnostics().isEmpty()) {
            md.append(diagnosticsTable(summary));
        }
        md.append(verdicts(summary));
        return md.toString();
    }

    /**
     * The value function's diagnostics per family as a Markdown table: the meta-learned prior's
     * Spearman beside the step index's, the forward Spearman of the online-adapted f, and its
     * gradient against the oracle validation-loss gradient.
     */
    static String diagnosticsTable(Summary summary) {
        StringBuilder md = new StringBuilder();
        md.append("| family | prior Spearman | step-index Spearman | forward Spearman (adapted)")
                .append(
                        " | forward: step index | forward: test metric | cos(∇f, ∇ validation loss)")
                .append(" | raw ‖∇f‖ |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Diagnostics> e : summary.diagnostics().entrySet()) {
            Diagnostics d = e.getValue();
            md.append("| ")
                    .append(escapeCell(e.getKey()))
                    .append(" | ")
                    .append(fmt(d.priorSpearman(), 3))
                    .append(" | ")
                    .append(fmt(d.stepIndexSpearman(), 3))
                    .append(" | ")
                    .append(fmt(d.forwardSpearman(), 3))
                    .append(" | ")
                    .append(fmt(d.forwardStepIndex(), 3))
                    .append(" | ")
                    .append(fmt(d.forwardCeiling(), 3))
                    .append(" | ")
                    .append(fmt(d.gradientCosine(), 3))
                    .append(" | ")
                    .append(
                            Double.isFinite(d.gradientNorm())
                                    ? String.format(Locale.ROOT, "%.3g", d.gradientNorm())
                                    : "—")
                    .append(" |\n");
        }
        return md.append('\n').toString();
    }

    /**
     * The baselines a method's verdict names: its loss-only baseline (CE with the same base
     * optimizer; CE+Adam for the learned optimizer), the best-observed checkpoint of that baseline
     * and, for MetricOpt (SGD/Adam), its random-direction control.
     */
    static List<String> verdictBaselines(String method) {
        Method m = Method.of(method);
        if (m.control()) {
            return List.of();
        }
        Method ce = m.crossEntropyBaseline();
        Method ceBest = ce.withBestObserved().orElseThrow();
        if (m.bestObserved()) {
            return List.of(ceBest.id(), ce.id());
        }
        List<String> out = new ArrayList<>(List.of(ce.id(), ceBest.id()));
        if (m.rule() != Method.Rule.LEARNED_OPTIMIZER) {
            out.add(
                    (ce == Method.CE_SGD
                                    ? Method.METRICOPT_RANDOM_SGD
                                    : Method.METRICOPT_RANDOM_ADAM)
                            .id());
        }
        return out;
    }

    /**
     * One plain sentence per MetricOpt method, family and baseline ({@link #verdictBaselines}):
     * better or worse only when the 95% CI of the paired mean difference excludes zero, so the
     * report states a negative result as plainly as a positive one.
     */
    static String verdicts(Summary summary) {
        StringBuilder sb = new StringBuilder("## Verdict\n\n");
        for (Map.Entry<String, FamilySummary> f : summary.families().entrySet()) {
            for (Map.Entry<String, MethodSummary> m : f.getValue().methods().entrySet()) {
                if (!m.getKey().startsWith("metricopt-")) {
                    continue;
                }
                for (String baseline : verdictBaselines(m.getKey())) {
                    Comparison c = m.getValue().versus().get(baseline);
                    if (c == null || c.pairs() < 2) {
                        continue;
                    }
                    String word =
                            c.excludesZero()
                                    ? (c.meanDiff() < 0 ? "**better than**" : "**worse than**")
                                    : "not significantly different from";
                    sb.append("- ")
                            .append(f.getKey())
                            .append(": ")
                            .append(m.getKey())
                            .append(" is ")
                            .append(word)
                            .append(" ")
                            .append(baseline)
                            .append(" (mean difference ")
                            .append(fmt(c.meanDiff(), 4))
                            .append(", 95% CI [")
                            .append(fmt(c.lo(), 4))
                            .append(", ")
                            .append(fmt(c.hi(), 4))
                            .append("], paired win rate ")
                            .append(fmt(c.winRate(), 3))
                            .append(" over ")
                            .append(c.pairs())
                            .append(" tasks).\n");
                }
            }
        }
        return sb.append("\n").toString();
    }

    /**
     * Renders the compact Markdown table of the README: one row per family (with its metric), one
     * column per method in {@link #METHOD_ORDER}, each cell the mean final test metric ± the
     * half-width of its 95% CI, the best mean of the row in bold; "—" where a method did not run.
     */
    public static String toMethodTable(Summary summary) {
        Set<String> present = new HashSet<>();
        for (FamilySummary f : summary.families().values()) {
            present.addAll(f.methods().keySet());
        }
        List<String> methods = orderMethods(present);
        StringBuilder md = new StringBuilder("| family |");
        for (String m : methods) {
            md.append(' ').append(escapeCell(m)).append(" |");
        }
        md.append("\n|---|").append("---|".repeat(methods.size())).append('\n');
        for (Map.Entry<String, FamilySummary> f : summary.families().entrySet()) {
            double best =
                    f.getValue().methods().values().stream()
                            .mapToDouble(MethodSummary::mean)
                            .filter(Double::isFinite)
                            .min()
                            .orElse(Double.NaN);
            md.append("| ")
                    .append(escapeCell(f.getKey()))
                    .append(" (")
                    .append(escapeCell(f.getValue().metric()))
                    .append(") |");
            for (String m : methods) {
                MethodSummary ms = f.getValue().methods().get(m);
                String cell = ms == null ? "—" : meanCell(ms.mean(), ms.halfCi());
                if (ms != null && Double.isFinite(ms.mean()) && ms.mean() == best) {
                    cell = "**" + cell + "**";
                }
                md.append(' ').append(cell).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }

    /**
     * Renders a fixed-width plain-text table for the terminal at the end of a run: family, method,
     * mean ± half-CI and the win rates against the two baselines.
     */
    public static String toConsoleTable(Summary summary) {
        List<String[]> rows = new ArrayList<>();
        rows.add(
                new String[] {
                    "family", "method", "mean ± 95% CI", "win vs ce-sgd", "win vs ce-adam"
                });
        for (Map.Entry<String, FamilySummary> f : summary.families().entrySet()) {
            for (Map.Entry<String, MethodSummary> m : f.getValue().methods().entrySet()) {
                MethodSummary ms = m.getValue();
                rows.add(
                        new String[] {
                            f.getKey(),
                            m.getKey(),
                            meanCell(ms.mean(), ms.halfCi()),
                            winCell(ms.versus().get("ce-sgd")),
                            winCell(ms.versus().get("ce-adam"))
                        });
            }
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            out.append(formatRow(rows.get(r), widths));
            if (r == 0) {
                String[] rule = new String[widths.length];
                for (int i = 0; i < widths.length; i++) {
                    rule[i] = "-".repeat(widths[i]);
                }
                out.append(formatRow(rule, widths));
            }
        }
        return out.toString();
    }

    private static String formatRow(String[] row, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < row.length; i++) {
            if (i > 0) {
                line.append("  ");
            }
            line.append(row[i]);
            if (i < row.length - 1) {
                line.append(" ".repeat(widths[i] - row[i].length()));
            }
        }
        return line.append('\n').toString();
    }

    /**
     * Renders the plots of every family as PNG bytes, keyed by file name: {@code
     * curve-<family>.png} (mean validation metric against step per method) and, where {@code
     * ce-sgd} and {@value #SCATTER_METHOD} finished a common task, {@code scatter-<family>.png}.
     */
    public static Map<String, byte[]> renderPlots(List<EvalRecord> records) {
        return EvalPlots.render(records);
    }

    /** Writes the PNGs of {@link #renderPlots} into a local directory, creating it if needed. */
    public static void writePlots(List<EvalRecord> records, Path dir) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, byte[]> e : renderPlots(records).entrySet()) {
                Files.write(dir.resolve(e.getKey()), e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the eval plots into " + dir, e);
        }
    }

    /**
     * Writes the plots, {@code report.md} and, last, {@code summary.json} into {@code evalDirUri}
     * (any Hadoop file system), each atomically.
     *
     * @return the summary that was written, for the caller to print
     */
    public static Summary write(
            Configuration conf,
            String evalDirUri,
            List<EvalRecord> records,
            double spearman,
            Map<String, Diagnostics> diagnostics,
            String command) {
        Summary summary = summarise(records, spearman, diagnostics, command);
        for (Map.Entry<String, byte[]> e : renderPlots(records).entrySet()) {
            HadoopFiles.writeAtomically(conf, child(evalDirUri, e.getKey()), e.getValue());
        }
        HadoopFiles.writeAtomically(
                conf,
                child(evalDirUri, "report.md"),
                toMarkdown(summary, command, Instant.now().toString()));
        HadoopFiles.writeAtomically(conf, child(evalDirUri, "summary.json"), toJson(summary));
        return summary;
    }

    private static String child(String dirUri, String name) {
        return new org.apache.hadoop.fs.Path(dirUri, name).toString();
    }

    /** The file name of a family's finetuning-curve plot in {@code eval/}. */
    public static String curveName(String family) {
        return "curve-" + fileSafe(family) + ".png";
    }

    static String scatterName(String family) {
        return "scatter-" + fileSafe(family) + ".png";
    }

    /** Whether the family has a scatter plot: both methods finished at least one common task. */
    static boolean hasScatter(FamilySummary family) {
        MethodSummary m = family.methods().get(SCATTER_METHOD);
        if (m == null) {
            return false;
        }
        Comparison c = m.versus().get("ce-sgd");
        return c != null && c.pairs() > 0;
    }

    private static String fileSafe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String fenceFor(String text) {
        int longest = 0;
        int run = 0;
        for (char c : text.toCharArray()) {
            run = c == '`' ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return "`".repeat(Math.max(3, longest + 1));
    }

    private static String escapeCell(String text) {
        return text.replace("|", "\\|");
    }

    private static String meanCell(double mean, double half) {
        if (!Double.isFinite(mean)) {
            return "—";
        }
        if (!Double.isFinite(half)) {
            return fmt(mean, 4);
        }
        return fmt(mean, 4) + " ± " + fmt(half, 4);
    }

    private static String winCell(Comparison c) {
        return c == null ? "—" : fmt(c.winRate(), 3);
    }

    private static String diffCell(Comparison c) {
        if (c == null || !Double.isFinite(c.meanDiff())) {
            return "—";
        }
        if (!Double.isFinite(c.lo())) {
            return fmt(c.meanDiff(), 4);
        }
        return fmt(c.meanDiff(), 4) + " [" + fmt(c.lo(), 4) + ", " + fmt(c.hi(), 4) + "]";
    }

    private static String lrCell(double lr) {
        if (!Double.isFinite(lr)) {
            return "—";
        }
        return new BigDecimal(lr).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    private static String fmt(double value, int decimals) {
        if (!Double.isFinite(value)) {
            return "—";
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    private static <V> Map<String, V> frozen(Map<String, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
