package org.metricopt.driver.jupyter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel's cell evaluation without a Jupyter client: JShell snippets in the kernel's JVM,
 * values that outlive their cell, compile errors and exceptions as the notebook shows them, and
 * charts and images as PNG display data. The protocol itself is exercised by the notebook test of
 * the deploy module.
 */
class MetricOptKernelTest {
    private static MetricOptKernel kernel;

    @BeforeAll
    static void start() {
        kernel = MetricOptKernel.create(System.getProperty("java.class.path"));
    }

    @AfterAll
    static void stop() {
        kernel.onShutdown(false);
    }

    @Test
    void aCellIsSeveralSnippetsAndItsLastExpressionIsItsValue() {
        assertThat(kernel.evalRaw("int x = 20;\nint y = 22;\nx + y")).isEqualTo(42);
        assertThat(kernel.eval("x * 2").getData(MIMEType.TEXT_PLAIN)).isEqualTo("40");
        // Declarations and statements have no value to show.
        assertThat(kernel.evalRaw("var z = x + 1;")).isNull();
        assertThat(kernel.evalRaw("long twice(long v) { return 2 * v; }")).isNull();
        assertThat(kernel.evalRaw("twice(z)")).isEqualTo(42L);
        assertThat(kernel.evalRaw("")).isNull();
    }

    @Test
    void defaultImportsCoverSparkSqlAndTheNotebookApi() {
        assertThat(kernel.evalRaw("Dataset.class.getName()"))
                .isEqualTo("org.apache.spark.sql.Dataset");
        assertThat(kernel.evalRaw("MetricOpt.MASTER_ENV")).isEqualTo("METRICOPT_SPARK_MASTER");
        assertThat(kernel.evalRaw("col(\"a\").toString()")).isEqualTo("a");
    }

    @Test
    void printedOutputGoesToTheCellsStdout() {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            assertThat(kernel.evalRaw("for (int i = 0; i < 3; i++) { System.out.print(i); }"))
                    .isNull();
        } finally {
            System.setOut(original);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("012");
    }

    @Test
    void aCompileErrorNamesTheErrorAndPointsAtIt() {
        assertThatThrownBy(() -> kernel.evalRaw("int ok = 1;\nString s = 42;"))
                .isInstanceOf(CellEvaluator.CompilationException.class)
                .hasMessageContaining("incompatible types")
                .satisfies(
                        e ->
                                assertThat(kernel.formatError(e))
                                        .anyMatch(l -> l.contains("String s = 42;"))
                                        .anyMatch(l -> l.contains("^")));
        // The snippet before the error ran.
        assertThat(kernel.evalRaw("ok")).isEqualTo(1);
        assertThatThrownBy(() -> kernel.evalRaw("undefinedName + 1"))
                .hasMessageContaining("cannot find symbol");
        assertThatThrownBy(() -> kernel.evalRaw("for (int i = 0; i < 3; i++) {"))
                .isInstanceOf(CellEvaluator.CompilationException.class);
    }

    @Test
    void anExceptionKeepsItsClassMessageAndTheCellsFrames() {
        assertThatThrownBy(() -> kernel.evalRaw("Integer.parseInt(\"not a number\")"))
                .isInstanceOf(CellEvaluator.EvaluationException.class)
                .hasCauseInstanceOf(NumberFormatException.class)
                .hasMessageContaining("not a number")
                .satisfies(
                        e -> {
                            List<String> lines = kernel.formatError(e);
                            assertThat(String.join("\n", lines))
                                    .contains("NumberFormatException")
                                    .contains("Integer.parseInt")
                                    .doesNotContain("jdk.jshell")
                                    .doesNotContain("CellEvaluator");
                        });
        assertThatThrownBy(() -> kernel.evalRaw("throw new AssertionError(\"boom\");"))
                .isInstanceOf(CellEvaluator.EvaluationException.class)
                .hasCauseInstanceOf(AssertionError.class)
                .hasMessageContaining("boom");
    }

    @Test
    void chartsAndImagesAreDisplayedAsPng() {
        DisplayData image =
                kernel.eval(
                        "new java.awt.image.BufferedImage(4, 3,"
                                + " java.awt.image.BufferedImage.TYPE_INT_RGB)");
        assertPng(image);
        DisplayData chart =
                kernel.eval(
                        "new HeldOutRun(\"f\", \"meta-test/0/0\", \"metricopt-sgd\","
                                + " \"misclassification\", 0.1, \"ok\", \"\", new int[] {0, 5,"
                                + " 10}, new double[] {0.5, 0.4, 0.3}, 0.5, 0.3, 0.3,"
                                + " 1.0).chart()");
        assertPng(chart);
        assertThat(chart.getData(MIMEType.TEXT_PLAIN).toString()).startsWith("Chart[");
    }

    @Test
    void isCompleteCompletionAndInspectionHelpTheFrontend() {
        assertThat(kernel.isComplete("int a = 1;")).isEqualTo(BaseKernel.IS_COMPLETE_YES);
        assertThat(kernel.isComplete("for (int i = 0; i < 3; i++) {")).isEqualTo("    ");
        assertThat(kernel.complete("int a = 1;\nMath.ma", 18).getReplacements()).contains("max(");
        assertThat(kernel.complete("int a = 1;\nMath.ma", 18).getSourceStart()).isEqualTo(16);
        assertThat(kernel.inspect("Math.abs(-1)", 9, false).getData(MIMEType.TEXT_PLAIN))
                .asString()
                .contains("abs(");
    }

    private static void assertPng(DisplayData data) {
        assertThat(data.hasDataForType(MIMEType.IMAGE_PNG)).isTrue();
        byte[] bytes = Base64.getDecoder().decode(data.getData(MIMEType.IMAGE_PNG).toString());
        assertThat(bytes).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
    }
}
