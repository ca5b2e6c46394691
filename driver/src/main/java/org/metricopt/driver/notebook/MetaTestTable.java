package org.metricopt.driver.notebook;

import org.metricopt.driver.eval.EvalReport;

/**
 * The meta-test results of a run, summarised exactly as {@code eval/report.md} summarises them
 * (mean final test metric with its 95% CI per family and method, paired win rates). A notebook
 * shows it as the README's Markdown table; {@link #toString} is the table the CLI prints.
 *
 * @param summary the summary of {@code eval/results.parquet}
 */
public record MetaTestTable(EvalReport.Summary summary) {
    public MetaTestTable {
        if (summary == null) {
            throw new IllegalArgumentException("a meta-test table needs a summary");
        }
    }

    /** Family × method, mean ± half-CI, best of each family in bold. */
    public String markdown() {
        return EvalReport.toMethodTable(summary);
    }

    /** The full per-family tables with win rates and paired differences, as in report.md. */
    public String report() {
        return EvalReport.toMarkdown(summary, summary.command(), "from the notebook");
    }

    @Override
    public String toString() {
        return EvalReport.toConsoleTable(summary);
    }
}
