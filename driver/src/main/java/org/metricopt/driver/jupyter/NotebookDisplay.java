package org.metricopt.driver.jupyter;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.metricopt.driver.notebook.Chart;
import org.metricopt.driver.notebook.MetaTestTable;

/**
 * How cell values of the MetricOpt API show in a notebook: a {@link Chart} as {@code image/png} (so
 * the plot is saved in the .ipynb), a Spark {@link Dataset} as an HTML table of its first rows
 * (like {@code show()}), a {@link MetaTestTable} as Markdown. Every value also gets its {@code
 * text/plain} form. Images ({@code BufferedImage}) are rendered by the base library.
 */
final class NotebookDisplay {
    static final int MAX_ROWS = 20;
    static final int MAX_CELL_CHARS = 60;

    private NotebookDisplay() {}

    // A class literal of a generic type is raw; the renderer only ever passes Datasets.
    @SuppressWarnings({"rawtypes", "unchecked"})
    static void register(Renderer renderer) {
        renderer.createRegistration(Chart.class)
                .preferring(MIMEType.IMAGE_PNG)
                .register(
                        (chart, ctx) ->
                                ctx.renderIfRequested(
                                        MIMEType.IMAGE_PNG,
                                        () -> Base64.getEncoder().encodeToString(chart.png())));
        renderer.createRegistration(MetaTestTable.class)
                .preferring(MIMEType.TEXT_MARKDOWN)
                .register(
                        (table, ctx) ->
                                ctx.renderIfRequested(MIMEType.TEXT_MARKDOWN, table::markdown));
        renderer.createRegistration(Dataset.class)
                .preferring(MIMEType.TEXT_HTML, MIMEType.TEXT_PLAIN)
                .register(
                        (dataset, ctx) -> {
                            Preview preview = Preview.of(dataset);
                            ctx.renderIfRequested(MIMEType.TEXT_HTML, preview::html);
                            ctx.renderIfRequested(MIMEType.TEXT_PLAIN, preview::text);
                        });
    }

    /** The first rows of a DataFrame as strings, collected once for every form. */
    record Preview(List<String> columns, List<List<String>> rows, boolean more) {
        static Preview of(Dataset<?> dataset) {
            Dataset<Row> df = dataset.toDF();
            List<Row> collected = df.limit(MAX_ROWS + 1).collectAsList();
            List<List<String>> rows = new ArrayList<>();
            for (Row r : collected.subList(0, Math.min(MAX_ROWS, collected.size()))) {
                List<String> cells = new ArrayList<>();
                for (int i = 0; i < r.length(); i++) {
                    cells.add(cell(r.get(i)));
                }
                rows.add(cells);
            }
            return new Preview(List.of(df.columns()), rows, collected.size() > MAX_ROWS);
        }

        private static String cell(Object value) {
            String s;
            if (value == null) {
                s = "null";
            } else if (value instanceof scala.collection.Iterable<?> seq) {
                s = seq.mkString("[", ", ", "]");
            } else {
                s = String.valueOf(value);
            }
            return s.length() > MAX_CELL_CHARS ? s.substring(0, MAX_CELL_CHARS - 3) + "..." : s;
        }

        String html() {
            StringBuilder h = new StringBuilder("<table>\n<thead><tr>");
            for (String c : columns) {
                h.append("<th>").append(escape(c)).append("</th>");
            }
            h.append("</tr></thead>\n<tbody>\n");
            for (List<String> row : rows) {
                h.append("<tr>");
                for (String v : row) {
                    h.append("<td>").append(escape(v)).append("</td>");
                }
                h.append("</tr>\n");
            }
            h.append("</tbody>\n</table>\n");
            if (more) {
                h.append("<p>only the first ").append(MAX_ROWS).append(" rows are shown</p>\n");
            }
            return h.toString();
        }

        String text() {
            int[] widths = new int[columns.size()];
            for (int i = 0; i < widths.length; i++) {
                widths[i] = columns.get(i).length();
                for (List<String> row : rows) {
                    widths[i] = Math.max(widths[i], row.get(i).length());
                }
            }
            StringBuilder t = new StringBuilder();
            line(t, columns, widths);
            List<String> rule = new ArrayList<>();
            for (int w : widths) {
                rule.add("-".repeat(w));
            }
            line(t, rule, widths);
            for (List<String> row : rows) {
                line(t, row, widths);
            }
            if (more) {
                t.append("only the first ").append(MAX_ROWS).append(" rows are shown\n");
            }
            return t.toString();
        }

        private static void line(StringBuilder t, List<String> cells, int[] widths) {
            for (int i = 0; i < cells.size(); i++) {
                if (i > 0) {
                    t.append("  ");
                }
                t.append(cells.get(i)).append(" ".repeat(widths[i] - cells.get(i).length()));
            }
            t.append('\n');
        }

        private static String escape(String s) {
            return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        }
    }
}
