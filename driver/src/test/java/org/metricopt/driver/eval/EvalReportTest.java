package org.metricopt.driver.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.driver.eval.EvalReport.Comparison;
import org.metricopt.driver.eval.EvalReport.FamilySummary;
import org.metricopt.driver.eval.EvalReport.MethodSummary;
import org.metricopt.driver.eval.EvalReport.Summary;

/**
 * The report on a hand-computed example: two families × three tasks × three methods, with a tie and
 * a failed record. Expected intervals use Student-t quantiles from tables.
 */
class EvalReportTest {
    /** t_{0.975, 2}: three values. */
    private static final double T2 = 4.302653;

    /** t_{0.975, 1}: two values. */
    private static final double T1 = 12.706205;

    private static final Offset<Double> EPS = within(1e-6);
    private static final String COMMAND = "metricopt meta-test --run-dir file:/tmp/run";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static EvalRecord ok(
            String family, String metric, String task, String method, double lr, double fin) {
        return new EvalRecord(
                family,
                metric,
                task,
                method,
                "ok",
                null,
                lr,
                method.startsWith("metricopt-") ? 0.3 : Double.NaN,
                0.9,
                fin,
                new int[] {0, 10, 20},
                new double[] {0.9, (0.9 + fin) / 2, fin});
    }

    private static EvalRecord failed(String family, String metric, String task, String method) {
        return new EvalRecord(
                family,
                metric,
                task,
                method,
                "failed",
                "NaN loss at step 7",
                0.01,
                Double.NaN,
                0.9,
                Double.NaN,
                new int[0],
                new double[0]);
    }

    /**
     * mnist-f1: ce-sgd .30 .40 .50, ce-adam .20 .40 .60, metricopt-sgd .25 .40 .45 (t2 is a
     * three-way tie). cifar-auroc: ce-sgd .50 .60 .70, ce-adam .55 failed .65, metricopt-sgd .40
     * .48 .61. Methods are listed out of report order on purpose.
     */
    static List<EvalRecord> example() {
        List<EvalRecord> rs = new ArrayList<>();
        String f = "mnist-f1";
        String m = "1-f1";
        rs.add(ok(f, m, "t1", "metricopt-sgd", 0.1, 0.25));
        rs.add(ok(f, m, "t2", "metricopt-sgd", 0.1, 0.40));
        rs.add(ok(f, m, "t3", "metricopt-sgd", 0.1, 0.45));
        rs.add(ok(f, m, "t1", "ce-adam", 0.001, 0.20));
        rs.add(ok(f, m, "t2", "ce-adam", 0.001, 0.40));
        rs.add(ok(f, m, "t3", "ce-adam", 0.001, 0.60));
        rs.add(ok(f, m, "t1", "ce-sgd", 0.03, 0.30));
        rs.add(ok(f, m, "t2", "ce-sgd", 0.03, 0.40));
        rs.add(ok(f, m, "t3", "ce-sgd", 0.03, 0.50));
        String g = "cifar-auroc";
        String a = "1-auroc";
        rs.add(ok(g, a, "u1", "ce-sgd", 0.03, 0.50));
        rs.add(ok(g, a, "u2", "ce-sgd", 0.03, 0.60));
        rs.add(ok(g, a, "u3", "ce-sgd", 0.03, 0.70));
        rs.add(ok(g, a, "u1", "ce-adam", 0.001, 0.55));
        rs.add(failed(g, a, "u2", "ce-adam"));
        rs.add(ok(g, a, "u3", "ce-adam", 0.001, 0.65));
        rs.add(ok(g, a, "u1", "metricopt-sgd", 0.1, 0.40));
        rs.add(ok(g, a, "u2", "metricopt-sgd", 0.1, 0.48));
        rs.add(ok(g, a, "u3", "metricopt-sgd", 0.1, 0.61));
        return rs;
    }

    @Test
    void meansAndIntervalsMatchHandComputedStudentT() {
        Summary s = EvalReport.summarise(example(), 0.8, COMMAND);

        assertThat(s.families()).containsOnlyKeys("mnist-f1", "cifar-auroc");
        FamilySummary mnist = s.families().get("mnist-f1");
        assertThat(mnist.tasks()).isEqualTo(3);
        assertThat(mnist.metric()).isEqualTo("1-f1");
        assertThat(mnist.methods().keySet()).containsExactly("ce-sgd", "ce-adam", "metricopt-sgd");

        // ce-sgd: mean .4, sample variance .01.
        MethodSummary sgd = mnist.methods().get("ce-sgd");
        double half = T2 * Math.sqrt(0.01 / 3);
        assertThat(sgd.n()).isEqualTo(3);
        assertThat(sgd.failed()).isZero();
        assertThat(sgd.mean()).isCloseTo(0.4, EPS);
        assertThat(sgd.lo()).isCloseTo(0.4 - half, EPS);
        assertThat(sgd.hi()).isCloseTo(0.4 + half, EPS);
        assertThat(sgd.learningRate()).isEqualTo(0.03);

        // metricopt-sgd: mean 1.1/3; deviations -7/60, 2/60, 5/60 give variance 78/7200.
        MethodSummary mo = mnist.methods().get("metricopt-sgd");
        double moHalf = T2 * Math.sqrt(78.0 / 7200 / 3);
        assertThat(mo.mean()).isCloseTo(1.1 / 3, EPS);
        assertThat(mo.halfCi()).isCloseTo(moHalf, EPS);

        // cifar ce-adam: one failed record leaves two values, .55 and .65: variance .005.
        FamilySummary cifar = s.families().get("cifar-auroc");
        assertThat(cifar.tasks()).isEqualTo(3);
        MethodSummary adam = cifar.methods().get("ce-adam");
        assertThat(adam.n()).isEqualTo(2);
        assertThat(adam.failed()).isEqualTo(1);
        assertThat(adam.mean()).isCloseTo(0.6, EPS);
        assertThat(adam.halfCi()).isCloseTo(T1 * Math.sqrt(0.005 / 2), EPS);
    }

    @Test
    void winRatesArePairedWithTiesCountingOneHalf() {
        Summary s = EvalReport.summarise(example(), 0.8, COMMAND);
        FamilySummary mnist = s.families().get("mnist-f1");

        // metricopt-sgd vs ce-sgd: win, tie, win; vs ce-adam: loss, tie, win.
        MethodSummary mo = mnist.methods().get("metricopt-sgd");
        assertThat(mo.versus().keySet()).containsExactly("ce-sgd", "ce-adam");
        assertThat(mo.versus().get("ce-sgd").winRate()).isCloseTo(2.5 / 3, EPS);
        assertThat(mo.versus().get("ce-adam").winRate()).isCloseTo(0.5, EPS);

        // A baseline is never compared with itself.
        assertThat(mnist.methods().get("ce-sgd").versus()).containsOnlyKeys("ce-adam");
        assertThat(mnist.methods().get("ce-adam").versus()).containsOnlyKeys("ce-sgd");
        assertThat(mnist.methods().get("ce-sgd").versus().get("ce-adam").winRate())
                .isCloseTo(0.5, EPS);

        // cifar: ce-adam failed on u2, so only u1 and u3 pair; metricopt-sgd wins both.
        Comparison cifarVsAdam =
                s.families()
                        .get("cifar-auroc")
                        .methods()
                        .get("metricopt-sgd")
                        .versus()
                        .get("ce-adam");
        assertThat(cifarVsAdam.pairs()).isEqualTo(2);
        assertThat(cifarVsAdam.winRate()).isEqualTo(1.0);
    }

    @Test
    void pairedDifferencesAndWhetherTheirIntervalExcludesZero() {
        Summary s = EvalReport.summarise(example(), 0.8, COMMAND);

        // mnist metricopt-sgd - ce-sgd: -.05, 0, -.05; mean -1/30, variance 1/1200.
        Comparison mnist =
                s.families().get("mnist-f1").methods().get("metricopt-sgd").versus().get("ce-sgd");
        double half = T2 * Math.sqrt(1.0 / 1200 / 3);
        assertThat(mnist.pairs()).isEqualTo(3);
        assertThat(mnist.meanDiff()).isCloseTo(-1.0 / 30, EPS);
        assertThat(mnist.lo()).isCloseTo(-1.0 / 30 - half, EPS);
        assertThat(mnist.hi()).isCloseTo(-1.0 / 30 + half, EPS);
        assertThat(mnist.excludesZero()).isFalse();

        // cifar metricopt-sgd - ce-sgd: -.10, -.12, -.09; mean -.31/3, variance 14/60000.
        Comparison cifar =
                s.families()
                        .get("cifar-auroc")
                        .methods()
                        .get("metricopt-sgd")
                        .versus()
                        .get("ce-sgd");
        double cifarHalf = T2 * Math.sqrt(14.0 / 60000 / 3);
        assertThat(cifar.meanDiff()).isCloseTo(-0.31 / 3, EPS);
        assertThat(cifar.lo()).isCloseTo(-0.31 / 3 - cifarHalf, EPS);
        assertThat(cifar.hi()).isCloseTo(-0.31 / 3 + cifarHalf, EPS);
        assertThat(cifar.excludesZero()).isTrue();

        // Two pairs: -.15, -.04; mean -.095, variance .00605.
        Comparison cifarAdam =
                s.families()
                        .get("cifar-auroc")
                        .methods()
                        .get("metricopt-sgd")
                        .versus()
                        .get("ce-adam");
        assertThat(cifarAdam.meanDiff()).isCloseTo(-0.095, EPS);
        assertThat(cifarAdam.halfCi()).isCloseTo(T1 * Math.sqrt(0.00605 / 2), EPS);
        assertThat(cifarAdam.excludesZero()).isFalse();
    }

    @Test
    void jsonHasTheStableShapeAndOrder() throws Exception {
        Summary s = EvalReport.summarise(example(), 0.8, COMMAND);
        JsonNode root = MAPPER.readTree(EvalReport.toJson(s));

        assertThat(fieldNames(root)).containsExactly("families", "value_function", "command");
        assertThat(fieldNames(root.get("families"))).containsExactly("cifar-auroc", "mnist-f1");
        assertThat(fieldNames(root.get("value_function"))).containsExactly("spearman", "families");
        assertThat(root.get("value_function").get("spearman").asDouble()).isEqualTo(0.8);
        assertThat(root.get("command").asText()).isEqualTo(COMMAND);

        JsonNode mnist = root.get("families").get("mnist-f1");
        assertThat(fieldNames(mnist)).containsExactly("tasks", "metric", "methods");
        assertThat(mnist.get("tasks").asInt()).isEqualTo(3);
        assertThat(mnist.get("metric").asText()).isEqualTo("1-f1");
        assertThat(fieldNames(mnist.get("methods")))
                .containsExactly("ce-sgd", "ce-adam", "metricopt-sgd");

        JsonNode mo = mnist.get("methods").get("metricopt-sgd");
        assertThat(fieldNames(mo))
                .containsExactly(
                        "mean",
                        "ci95",
                        "n",
                        "failed",
                        "learning_rate",
                        "lambda",
                        "win_rate_vs",
                        "diff_vs");
        assertThat(mo.get("mean").asDouble()).isCloseTo(1.1 / 3, EPS);
        assertThat(mo.get("ci95").isArray()).isTrue();
        assertThat(mo.get("ci95")).hasSize(2);
        assertThat(mo.get("n").asInt()).isEqualTo(3);
        assertThat(mo.get("failed").asInt()).isZero();
        assertThat(mo.get("learning_rate").asDouble()).isEqualTo(0.1);
        assertThat(fieldNames(mo.get("win_rate_vs"))).containsExactly("ce-sgd", "ce-adam");
        assertThat(mo.get("win_rate_vs").get("ce-sgd").asDouble()).isCloseTo(2.5 / 3, EPS);
        JsonNode diff = mo.get("diff_vs").get("ce-sgd");
        assertThat(fieldNames(diff)).containsExactly("mean", "ci95", "excludes_zero");
        assertThat(diff.get("mean").asDouble()).isCloseTo(-1.0 / 30, EPS);
        assertThat(diff.get("excludes_zero").isBoolean()).isTrue();
        assertThat(diff.get("excludes_zero").asBoolean()).isFalse();

        assertThat(fieldNames(mnist.get("methods").get("ce-sgd").get("win_rate_vs")))
                .containsExactly("ce-adam");
        JsonNode cifarAdam = root.get("families").get("cifar-auroc").get("methods").get("ce-adam");
        assertThat(cifarAdam.get("failed").asInt()).isEqualTo(1);
        assertThat(cifarAdam.get("n").asInt()).isEqualTo(2);
        assertThat(
                        root.at("/families/cifar-auroc/methods/metricopt-sgd/diff_vs/ce-sgd")
                                .get("excludes_zero")
                                .asBoolean())
                .isTrue();
    }

    @Test
    void undefinedNumbersAreNullInJsonNeverNaN() throws Exception {
        List<EvalRecord> rs = new ArrayList<>();
        rs.add(ok("f", "1-f1", "t1", "ce-sgd", 0.03, 0.3));
        rs.add(failed("f", "1-f1", "t1", "ce-adam"));
        rs.add(ok("f", "1-f1", "t1", "zeta", 0.2, 0.2));
        rs.add(ok("f", "1-f1", "t1", "alpha", Double.NaN, 0.25));
        Summary s = EvalReport.summarise(rs, Double.NaN, COMMAND);
        String json = EvalReport.toJson(s);

        assertThat(json).doesNotContain("NaN").doesNotContain("Infinity");
        JsonNode root = MAPPER.readTree(json);
        JsonNode methods = root.at("/families/f/methods");
        // Known methods first, then the others alphabetically.
        assertThat(fieldNames(methods)).containsExactly("ce-sgd", "ce-adam", "alpha", "zeta");
        // All of ce-adam failed: no mean, no interval, no win rate against it.
        assertThat(methods.get("ce-adam").get("mean").isNull()).isTrue();
        assertThat(methods.get("ce-adam").get("ci95").isNull()).isTrue();
        assertThat(methods.get("ce-adam").get("n").asInt()).isZero();
        assertThat(methods.get("ce-adam").get("failed").asInt()).isEqualTo(1);
        assertThat(methods.get("zeta").get("win_rate_vs").get("ce-adam").isNull()).isTrue();
        assertThat(methods.get("zeta").get("diff_vs").get("ce-adam").get("mean").isNull()).isTrue();
        // One value has a mean but no interval, and one pair no interval either.
        assertThat(methods.get("zeta").get("mean").asDouble()).isEqualTo(0.2);
        assertThat(methods.get("zeta").get("ci95").isNull()).isTrue();
        assertThat(methods.get("zeta").get("win_rate_vs").get("ce-sgd").asDouble()).isEqualTo(1);
        JsonNode diff = methods.get("zeta").get("diff_vs").get("ce-sgd");
        assertThat(diff.get("mean").asDouble()).isCloseTo(-0.1, EPS);
        assertThat(diff.get("ci95").isNull()).isTrue();
        assertThat(diff.get("excludes_zero").asBoolean()).isFalse();
        assertThat(methods.get("alpha").get("learning_rate").isNull()).isTrue();
        assertThat(root.at("/value_function/spearman").isNull()).isTrue();
    }

    @Test
    void summaryIsImmutable() {
        Summary s = EvalReport.summarise(example(), 0.8, COMMAND);
        assertThatThrownBy(() -> s.families().clear())
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> s.families().get("mnist-f1").methods().remove("ce-sgd"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void duplicateTaskAndMethodIsRejected() {
        List<EvalRecord> rs = new ArrayList<>(example());
        rs.add(ok("mnist-f1", "1-f1", "t1", "ce-sgd", 0.03, 0.1));
        assertThatThrownBy(() -> EvalReport.summarise(rs, 0.8, COMMAND))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mnist-f1")
                .hasMessageContaining("ce-sgd")
                .hasMessageContaining("t1");
    }

    @Test
    void markdownShowsCommandRowsBestMeanAndPlots() {
        Summary s = EvalReport.summarise(example(), 0.8, COMMAND);
        String md = EvalReport.toMarkdown(s, COMMAND, "2025-01-02T03:04:05Z");

        assertThat(md).startsWith("# ");
        assertThat(md).contains("```shell\n" + COMMAND + "\n```");
        assertThat(md).contains("2025-01-02T03:04:05Z");
        assertThat(md).contains("held-out test split (t10k)").contains("lower is better");
        assertThat(md).contains("## mnist-f1").contains("## cifar-auroc");
        assertThat(md)
                .contains(
                        "| method | mean ± half-CI | win rate vs CE+SGD | win rate vs CE+Adam"
                                + " | mean diff vs CE+SGD [95% CI] | lr |");
        List<String> rows =
                Arrays.stream(md.split("\n"))
                        .filter(l -> l.startsWith("| ce-") || l.startsWith("| metricopt-"))
                        .toList();
        assertThat(rows).hasSize(6);
        assertThat(md).contains("| ce-adam (1 failed) |");
        // Best mean in bold: metricopt-sgd in both families.
        assertThat(md).contains("| metricopt-sgd | **0.3667 ± 0.2586** | 0.833 | 0.500 |");
        assertThat(md).contains("| metricopt-sgd | **0.4967 ± ");
        assertThat(md).doesNotContain("| ce-sgd | **");
        assertThat(md).contains("-0.0333 [-0.1050, 0.0384]");
        assertThat(md).contains("| 0.001 |");
        assertThat(md).contains("Spearman").contains("0.8000");
        assertThat(md).contains("(curve-mnist-f1.png)").contains("(scatter-mnist-f1.png)");
        assertThat(md).contains("(curve-cifar-auroc.png)").contains("(scatter-cifar-auroc.png)");
    }

    @Test
    void consoleTableHasAlignedRowPerMethod() {
        String table = EvalReport.toConsoleTable(EvalReport.summarise(example(), 0.8, COMMAND));
        List<String> lines = table.lines().toList();
        assertThat(lines).hasSize(2 + 6);
        assertThat(lines.get(0)).startsWith("family").contains("win vs ce-sgd");
        int methodColumn = lines.get(0).indexOf("method");
        for (String line : lines.subList(2, lines.size())) {
            assertThat(line.substring(methodColumn)).matches("(ce-|metricopt-).*");
        }
        assertThat(table).contains("0.4000 ± 0.2484");
    }

    @Test
    void plotsAreNonEmptyPngs(@TempDir Path dir) throws Exception {
        Map<String, byte[]> pngs = EvalReport.renderPlots(example());
        assertThat(pngs.keySet())
                .containsExactly(
                        "curve-cifar-auroc.png",
                        "scatter-cifar-auroc.png",
                        "curve-mnist-f1.png",
                        "scatter-mnist-f1.png");
        for (byte[] png : pngs.values()) {
            assertPng(png);
        }

        EvalReport.writePlots(example(), dir.resolve("plots"));
        assertPng(Files.readAllBytes(dir.resolve("plots").resolve("curve-mnist-f1.png")));
    }

    @Test
    void scatterIsSkippedWithoutBothMethods() {
        List<EvalRecord> rs = new ArrayList<>(example());
        rs.removeIf(r -> r.family().equals("mnist-f1") && r.method().equals("metricopt-sgd"));
        Map<String, byte[]> pngs = EvalReport.renderPlots(rs);
        assertThat(pngs)
                .containsKey("curve-mnist-f1.png")
                .doesNotContainKey("scatter-mnist-f1.png");
        String md = EvalReport.toMarkdown(EvalReport.summarise(rs, 0.8, COMMAND), COMMAND, "now");
        assertThat(md).doesNotContain("scatter-mnist-f1.png").contains("scatter-cifar-auroc.png");
    }

    @Test
    void writeCreatesEveryFileThroughAHadoopUri(@TempDir Path dir) throws Exception {
        String uri = dir.resolve("eval").toUri().toString();
        assertThat(uri).startsWith("file:");

        Summary s =
                EvalReport.write(
                        new Configuration(),
                        uri,
                        example(),
                        0.8,
                        Map.of(
                                "mnist-f1",
                                new EvalReport.Diagnostics(0.6, 0.5, 0.55, 0.3, 0.45, 0.2, 0.01)),
                        COMMAND);

        Path eval = dir.resolve("eval");
        try (var files = Files.list(eval)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")))
                    .containsExactlyInAnyOrder(
                            "summary.json",
                            "report.md",
                            "curve-cifar-auroc.png",
                            "scatter-cifar-auroc.png",
                            "curve-mnist-f1.png",
                            "scatter-mnist-f1.png");
        }
        assertThat(Files.readString(eval.resolve("summary.json"), StandardCharsets.UTF_8))
                .isEqualTo(EvalReport.toJson(s));
        assertThat(Files.readString(eval.resolve("report.md"))).contains(COMMAND);
        assertPng(Files.readAllBytes(eval.resolve("scatter-mnist-f1.png")));
    }

    private static void assertPng(byte[] bytes) {
        byte[] magic = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        assertThat(bytes.length).isGreaterThan(1000);
        assertThat(Arrays.copyOf(bytes, 8)).isEqualTo(magic);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void diagnosticsAndLambdaReachTheJsonAndTheReport() throws Exception {
        Summary s =
                EvalReport.summarise(
                        example(),
                        0.8,
                        Map.of(
                                "mnist-f1",
                                new EvalReport.Diagnostics(
                                        0.61, 0.52, 0.55, 0.31, 0.47, 0.2, 0.013)),
                        COMMAND);
        JsonNode root = MAPPER.readTree(EvalReport.toJson(s));
        JsonNode d = root.at("/value_function/families/mnist-f1");
        assertThat(d.get("prior_spearman").asDouble()).isEqualTo(0.61);
        assertThat(d.get("step_index_spearman").asDouble()).isEqualTo(0.52);
        assertThat(d.get("forward_spearman").asDouble()).isEqualTo(0.55);
        assertThat(d.get("forward_step_index_spearman").asDouble()).isEqualTo(0.31);
        assertThat(d.get("forward_test_metric_spearman").asDouble()).isEqualTo(0.47);
        assertThat(d.get("gradient_cosine_validation").asDouble()).isEqualTo(0.2);
        assertThat(d.get("gradient_norm_raw").asDouble()).isEqualTo(0.013);
        String md = EvalReport.toMarkdown(s, COMMAND, "now");
        assertThat(md)
                .contains("| mnist-f1 | 0.610 | 0.520 | 0.550 | 0.310 | 0.470 | 0.200 | 0.0130 |");
        boolean anyLambda = false;
        for (JsonNode family : root.get("families")) {
            for (var m = family.get("methods").fields(); m.hasNext(); ) {
                var e = m.next();
                if (e.getKey().startsWith("metricopt-")
                        && !e.getKey().equals("metricopt-learned")) {
                    assertThat(e.getValue().get("lambda").asDouble()).isEqualTo(0.3);
                    anyLambda = true;
                } else {
                    assertThat(e.getValue().has("lambda")).isFalse();
                }
            }
        }
        assertThat(anyLambda).isTrue();
    }
}
