package org.metricopt.driver.notebook;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A chart rendered once into PNG bytes. The MetricOpt Jupyter kernel displays it as {@code
 * image/png}, so the plot is saved inside the notebook; outside a notebook, {@link #save} writes
 * the file. Charts are rendered headless: kernels and CI machines have no display.
 */
public final class Chart {
    static final int WIDTH = 800;
    static final int HEIGHT = 450;

    private final String title;
    private final byte[] png;

    /**
     * @param title what the chart shows, also its text form in a notebook
     * @param png the PNG image
     */
    public Chart(String title, byte[] png) {
        if (png == null || png.length == 0) {
            throw new IllegalArgumentException("chart '" + title + "' has no PNG bytes");
        }
        this.title = title == null ? "" : title;
        this.png = png.clone();
    }

    /**
     * One line per y column of {@code rows} against the numeric column {@code x}, in x order; rows
     * where a y value is null or not finite are left out of that line. For quick plots of any
     * DataFrame in a notebook, such as {@code Chart.lines("loss", run.metrics(), "iteration",
     * "vf_loss_after_adapt")}.
     */
    public static Chart lines(String title, Dataset<Row> rows, String x, String... ys) {
        return lines(title, ys.length == 1 ? ys[0] : "value", rows, x, ys);
    }

    /** As {@link #lines(String, Dataset, String, String...)}, with a label for the y axis. */
    static Chart lines(String title, String yLabel, Dataset<Row> rows, String x, String... ys) {
        if (ys.length == 0) {
            throw new IllegalArgumentException("Chart.lines needs at least one y column");
        }
        List<Row> collected = rows.selectExpr(columns(x, ys)).orderBy(x).collectAsList();
        XYSeriesCollection data = new XYSeriesCollection();
        for (int j = 0; j < ys.length; j++) {
            XYSeries series = new XYSeries(ys[j], false, true);
            for (Row r : collected) {
                if (r.isNullAt(0) || r.isNullAt(j + 1)) {
                    continue;
                }
                double xv = ((Number) r.get(0)).doubleValue();
                double yv = ((Number) r.get(j + 1)).doubleValue();
                if (Double.isFinite(xv) && Double.isFinite(yv)) {
                    series.add(xv, yv);
                }
            }
            data.addSeries(series);
        }
        return xy(title, x, yLabel, data);
    }

    /** A line chart of named series of (x, y) points, e.g. one per method. */
    static Chart lines(
            String title, String xLabel, String yLabel, Map<String, double[][]> seriesXy) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Map.Entry<String, double[][]> e : seriesXy.entrySet()) {
            XYSeries series = new XYSeries(e.getKey(), false, true);
            double[] xs = e.getValue()[0];
            double[] ys = e.getValue()[1];
            for (int i = 0; i < Math.min(xs.length, ys.length); i++) {
                if (Double.isFinite(xs[i]) && Double.isFinite(ys[i])) {
                    series.add(xs[i], ys[i]);
                }
            }
            data.addSeries(series);
        }
        return xy(title, xLabel, yLabel, data);
    }

    private static String[] columns(String x, String... ys) {
        String[] out = new String[ys.length + 1];
        out[0] = "CAST(`" + x + "` AS DOUBLE)";
        for (int j = 0; j < ys.length; j++) {
            out[j + 1] = "CAST(`" + ys[j] + "` AS DOUBLE)";
        }
        return out;
    }

    private static Chart xy(String title, String xLabel, String yLabel, XYSeriesCollection data) {
        System.setProperty("java.awt.headless", "true");
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data);
        XYPlot plot = chart.getXYPlot();
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));
        // Curves differ by a few points of the metric; an axis down to zero would hide that.
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render the chart '" + title + "'", e);
        }
        return new Chart(title, out.toByteArray());
    }

    public String title() {
        return title;
    }

    /** The PNG bytes (a copy). */
    public byte[] png() {
        return png.clone();
    }

    /** The chart as an image, for further drawing. */
    public BufferedImage image() {
        try {
            return ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot decode the PNG of chart '" + title + "'", e);
        }
    }

    /** Writes the PNG to a local file, creating its directory. */
    public Path save(String file) {
        Path path = Path.of(file);
        try {
            if (path.toAbsolutePath().getParent() != null) {
                Files.createDirectories(path.toAbsolutePath().getParent());
            }
            return Files.write(path, png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write chart '" + title + "' to " + file, e);
        }
    }

    @Override
    public String toString() {
        return "Chart[" + title + ", " + png.length + " bytes of PNG]";
    }
}
