package org.metricopt.driver.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.metricopt.common.errors.MetricOptException;
import org.metricopt.driver.cli.MetricOptMain;
import org.metricopt.driver.testing.TinyConf;

/**
 * The notebook API on a real run directory: a tiny run made by the command line, opened through
 * Spark SQL, plotted, summarised, and one held-out task rerun live, which must reproduce the test
 * metric meta-test recorded for it bit for bit.
 */
class RunViewTest {

    private static Path tinyRun(Path dir) throws IOException {
        Path conf = TinyConf.write(dir, "eval.lr-grid = [0.5, 1.0]");
        Path run = dir.resolve("run");
        int code =
                MetricOptMain.execute(
                        "run", "--conf", conf.toString(), "--run-dir", run.toString());
        assertThat(code).as("the tiny run").isZero();
        return run;
    }

    @Test
    void opensARunPlotsItAndRerunsAHeldOutTaskBitForBit(@TempDir Path tmp) throws IOException {
        Path runDir = tinyRun(tmp);
        SparkSession spark = MetricOpt.session("local[2]");
        try {
            assertThat(MetricOpt.session()).as("attaches to the running session").isSameAs(spark);
            assertThatThrownBy(() -> MetricOpt.session("local[1]"))
                    .isInstanceOf(MetricOptException.class)
                    .hasMessageContaining("restart the kernel");

            RunView run = MetricOpt.open(spark, runDir.toString());
            assertThat(run.registerViews())
                    .containsExactly("eval_results", "metrics", "trajectories");
            assertThat(spark.sql("SELECT count(*) FROM metrics").first().getLong(0)).isEqualTo(2);
            assertThat(
                            spark
                                    .sql("SELECT DISTINCT family FROM eval_results ORDER BY family")
                                    .collectAsList()
                                    .stream()
                                    .map(r -> r.getString(0))
                                    .toList())
                    .containsExactly("aucpr-imbalanced", "input-shift", "mcr-noisy");
            assertThat(run.trajectories().count()).isPositive();

            assertPng(run.learningCurves());
            assertPng(run.finetuningCurves("mcr-noisy"));
            assertPng(Chart.lines("spearman", run.metrics(), "iteration", "vf_spearman_prior"));
            assertPng(run.valueFunctionCurves(2));
            assertThat(
                            run.diagnostics().select("family").collectAsList().stream()
                                    .map(r -> r.getString(0))
                                    .toList())
                    .containsExactly("aucpr-imbalanced", "input-shift", "mcr-noisy");
            assertThat(run.diagnostics().columns())
                    .contains("prior_spearman", "forward_spearman", "gradient_cosine_validation");

            MetaTestTable table = run.metaTestTable();
            assertThat(table.markdown())
                    .startsWith("| family | ce-sgd | ce-adam | ap-surrogate | metricopt-sgd |")
                    .contains("| mcr-noisy (misclassification) |");
            assertThat(table.toString()).contains("mean ± 95% CI");

            HeldOutRun live = run.runHeldOutTask("mcr-noisy", 1);
            assertThat(live.status()).isEqualTo("ok");
            assertThat(live.taskId()).isEqualTo("meta-test/0/1");
            assertThat(live.reproducesRecordedResult()).as(live.toString()).isTrue();
            assertPng(live.chart());
            HeldOutRun baseline = run.runHeldOutTask("aucpr-imbalanced", 0, "ap-surrogate");
            assertThat(baseline.reproducesRecordedResult()).as(baseline.toString()).isTrue();

            assertThatThrownBy(() -> run.runHeldOutTask("no-such-family", 0))
                    .hasMessageContaining("no task family 'no-such-family'");
            assertThatThrownBy(() -> run.runHeldOutTask("mcr-noisy", 0, "ap-surrogate"))
                    .hasMessageContaining("does not apply to family mcr-noisy");
            assertThatThrownBy(() -> run.finetuningCurves("no-such-family"))
                    .hasMessageContaining("its families are [aucpr-imbalanced");
            assertThatThrownBy(() -> MetricOpt.open(spark, tmp.resolve("theta").toString()))
                    .isInstanceOf(MetricOptException.class)
                    .hasMessageContaining("is not a MetricOpt run directory");
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }

    private static void assertPng(Chart chart) {
        assertThat(chart.png()).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(chart.image().getWidth()).isEqualTo(Chart.WIDTH);
    }
}
