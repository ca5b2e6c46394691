package org.metricopt.driver.eval;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The PNG plots of the meta-test report, rendered headless into byte arrays. */
final class EvalPlots {
    static final int WIDTH = 800;
    static final int HEIGHT = 500;

    private EvalPlots() {}

    /** Renders {@code curve-<family>.png} and, where possible, {@code scatter-<family>.png}. */
    static Map<String, byte[]> render(List<EvalRecord> records) {
        // Executors and CI machines have no display; AWT must not try to open one.
        System.setProperty("java.awt.headless", "true");
        Map<String, List<EvalRecord>> byFamily = new TreeMap<>();
        for (EvalRecord r : records) {
            byFamily.computeIfAbsent(r.family(), k -> new ArrayList<>()).add(r);
        }
        Map<String, byte[]> pngs = new LinkedHashMap<>();
        for (Map.Entry<String, List<EvalRecord>> e : byFamily.entrySet()) {
            String family = e.getKey();
            String metric = e.getValue().get(0).metric();
            pngs.put(EvalReport.curveName(family), png(curve(family, metric, e.getValue())));
            JFreeChart scatter = scatter(family, metric, e.getValue());
            if (scatter != null) {
                pngs.put(EvalReport.scatterName(family), png(scatter));
            }
        }
        return pngs;
    }

    /** Mean validation metric over finished tasks at each observed step, one line per method. */
    private static JFreeChart curve(String family, String metric, List<EvalRecord> records) {
        Map<String, TreeMap<Integer, double[]>> sums = new HashMap<>();
        for (EvalRecord r : records) {
            if (!r.ok() || r.observedSteps() == null || r.observedMetrics() == null) {
                continue;
            }
            TreeMap<Integer, double[]> byStep =
                    sums.computeIfAbsent(r.method(), k -> new TreeMap<>());
            int k = Math.min(r.observedSteps().length, r.observedMetrics().length);
            for (int i = 0; i < k; i++) {
                double v = r.observedMetrics()[i];
                if (Double.isFinite(v)) {
                    double[] sumCount =
                            byStep.computeIfAbsent(r.observedSteps()[i], s -> new double[2]);
                    sumCount[0] += v;
                    sumCount[1] += 1;
                }
            }
        }
        XYSeriesCollection data = new XYSeriesCollection();
        for (String method : EvalReport.orderMethods(sums.keySet())) {
            XYSeries series = new XYSeries(method);
            for (Map.Entry<Integer, double[]> s : sums.get(method).entrySet()) {
                series.add(s.getKey().doubleValue(), s.getValue()[0] / s.getValue()[1]);
            }
            data.addSeries(series);
        }
        JFreeChart chart =
                ChartFactory.createXYLineChart(
                        family + ": mean validation " + metric + " during finetuning",
                        "step",
                        metric + " (validation, lower is better)",
                        data);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        chart.getXYPlot().setRenderer(renderer);
        // Methods differ by a few points of the metric; an axis down to zero would hide that.
        ((NumberAxis) chart.getXYPlot().getRangeAxis()).setAutoRangeIncludesZero(false);
        style(chart.getXYPlot());
        return chart;
    }

    /** Per-task final test metric of ce-sgd against {@value EvalReport#SCATTER_METHOD}. */
    private static JFreeChart scatter(String family, String metric, List<EvalRecord> records) {
        Map<String, Double> baseline = new HashMap<>();
        Map<String, Double> method = new TreeMap<>();
        for (EvalRecord r : records) {
            if (!r.ok()) {
                continue;
            }
            if ("ce-sgd".equals(r.method())) {
                baseline.put(r.taskId(), r.testMetricFinal());
            } else if (EvalReport.SCATTER_METHOD.equals(r.method())) {
                method.put(r.taskId(), r.testMetricFinal());
            }
        }
        XYSeries points = new XYSeries("tasks", false, true);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (Map.Entry<String, Double> e : method.entrySet()) {
            Double x = baseline.get(e.getKey());
            if (x != null) {
                double y = e.getValue();
                points.add(x.doubleValue(), y);
                min = Math.min(min, Math.min(x, y));
                max = Math.max(max, Math.max(x, y));
            }
        }
        if (points.getItemCount() == 0) {
            return null;
        }
        XYSeries diagonal = new XYSeries("y = x");
        diagonal.add(min, min);
        diagonal.add(max, max);
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(points);
        data.addSeries(diagonal);
        JFreeChart chart =
                ChartFactory.createScatterPlot(
                        family + ": test " + metric + " per task, below y = x is better",
                        "ce-sgd",
                        EvalReport.SCATTER_METHOD,
                        data);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        renderer.setSeriesLinesVisible(0, false);
        renderer.setSeriesShapesVisible(0, true);
        renderer.setSeriesLinesVisible(1, true);
        renderer.setSeriesShapesVisible(1, false);
        renderer.setSeriesPaint(1, Color.GRAY);
        renderer.setSeriesStroke(
                1,
                new BasicStroke(
                        1f,
                        BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER,
                        10f,
                        new float[] {6f, 4f},
                        0f));
        chart.getXYPlot().setRenderer(renderer);
        style(chart.getXYPlot());
        return chart;
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    }

    private static byte[] png(JFreeChart chart) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the chart " + chart.getTitle(), e);
        }
        return out.toByteArray();
    }
}
