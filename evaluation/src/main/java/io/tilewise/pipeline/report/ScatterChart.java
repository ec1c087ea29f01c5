package io.tilewise.pipeline.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Points in named series (one color each, joined in x order when {@code lines}), with a legend and optional dashed
 * target lines: the speed-vs-quality plots of comparison and sweep reports.
 */
public final class ScatterChart {

    /** One point; {@code label} (may be null) is written beside it. */
    public record Point(double x, double y, String label) {
    }

    public record Series(String name, List<Point> points) {
        public Series {
            points = List.copyOf(points);
        }
    }

    private final String title, xLabel, yLabel;
    private final List<Series> series = new ArrayList<>();
    private double xTarget = Double.NaN, yTarget = Double.NaN;
    private String xTargetLabel, yTargetLabel;
    private boolean lines;

    public ScatterChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    public ScatterChart add(Series s) {
        series.add(s);
        return this;
    }

    /** Joins each series' points in x order (a Pareto front or a parameter sweep). */
    public ScatterChart lines(boolean join) {
        this.lines = join;
        return this;
    }

    public ScatterChart xTarget(double value, String label) {
        this.xTarget = value;
        this.xTargetLabel = label;
        return this;
    }

    public ScatterChart yTarget(double value, String label) {
        this.yTarget = value;
        this.yTargetLabel = label;
        return this;
    }

    /** Room right of the plot for the longest series name. */
    private int legendWidth() {
        java.awt.image.BufferedImage scratch = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = scratch.createGraphics();
        g.setFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 12));
        int longest = series.stream().mapToInt(s -> g.getFontMetrics().stringWidth(s.name())).max().orElse(0);
        g.dispose();
        return Math.max(120, longest + 44);
    }

    public byte[] png(int width, int height) {
        ChartCanvas c = new ChartCanvas(width, height, 64, 32, legendWidth(), 48);
        List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
        for (Series s : series) {
            for (Point p : s.points()) {
                xs.add(p.x());
                ys.add(p.y());
            }
        }
        if (Double.isFinite(xTarget)) xs.add(xTarget);
        if (Double.isFinite(yTarget)) ys.add(yTarget);
        double[] xr = ChartCanvas.padded(xs, 0.08), yr = ChartCanvas.padded(ys, 0.08);
        c.ranges(xr[0], xr[1], yr[0], yr[1]);
        c.title(title);
        c.axes(xLabel, yLabel);
        if (Double.isFinite(xTarget)) c.referenceLine(true, xTarget, xTargetLabel);
        if (Double.isFinite(yTarget)) c.referenceLine(false, yTarget, yTargetLabel);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            c.g.setColor(ChartCanvas.color(i));
            List<Point> finite = s.points().stream().filter(p -> Double.isFinite(p.x()) && Double.isFinite(p.y()))
                    .sorted(Comparator.comparingDouble(Point::x)).toList();
            if (lines && finite.size() > 1) {
                c.g.setStroke(new BasicStroke(1.5f));
                for (int j = 1; j < finite.size(); j++) {
                    c.g.drawLine(c.x(finite.get(j - 1).x()), c.y(finite.get(j - 1).y()), c.x(finite.get(j).x()), c.y(finite.get(j).y()));
                }
            }
            for (Point p : finite) {
                c.g.fillOval(c.x(p.x()) - 5, c.y(p.y()) - 5, 10, 10);
                if (p.label() != null) {
                    c.g.setColor(Color.DARK_GRAY);
                    int w = c.g.getFontMetrics().stringWidth(p.label());
                    int lx = c.x(p.x()) + 7 + w > c.right ? c.x(p.x()) - 7 - w : c.x(p.x()) + 7; // keep labels inside the plot
                    c.g.drawString(p.label(), Math.max(c.left + 2, lx), c.y(p.y()) - 6);
                    c.g.setColor(ChartCanvas.color(i));
                }
            }
            // Legend, right of the plot.
            int ly = c.top + 14 + 20 * i;
            c.g.fillOval(c.right + 14, ly - 9, 10, 10);
            c.g.setColor(Color.BLACK);
            c.g.drawString(s.name(), c.right + 30, ly);
        }
        return c.png();
    }
}
