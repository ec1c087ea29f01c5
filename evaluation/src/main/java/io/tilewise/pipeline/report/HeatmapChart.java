package io.tilewise.pipeline.report;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;

/**
 * A grid of values (rows × columns, e.g. layer × step) drawn as colored cells with a color bar; missing values
 * (NaN) are light gray. Used for the per-(step, layer) error of probed runs.
 */
public final class HeatmapChart {

    private final String title, xLabel, yLabel;
    private final double[][] values;
    private final List<String> columns, rows;
    private double min = Double.NaN, max = Double.NaN;

    /** @param values {@code values[row][column]} */
    public HeatmapChart(String title, String xLabel, String yLabel, double[][] values, List<String> columns, List<String> rows) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.values = values;
        this.columns = List.copyOf(columns);
        this.rows = List.copyOf(rows);
    }

    /** Fixes the color scale (default: the data's range). */
    public HeatmapChart scale(double low, double high) {
        this.min = low;
        this.max = high;
        return this;
    }

    public byte[] png(int width, int height) {
        ChartCanvas c = new ChartCanvas(width, height, 64, 32, 110, 48);
        List<Double> all = new ArrayList<>();
        for (double[] row : values) for (double v : row) all.add(v);
        double[] range = ChartCanvas.padded(all, 0);
        double lo = Double.isNaN(min) ? range[0] : min, hi = Double.isNaN(max) ? range[1] : max;
        if (hi <= lo) hi = lo + 1e-12;
        int cols = columns.size(), nRows = rows.size();
        c.title(title);
        double cw = (c.right - c.left) / (double) Math.max(1, cols), rh = (c.bottom - c.top) / (double) Math.max(1, nRows);
        for (int r = 0; r < nRows; r++) {
            for (int col = 0; col < cols; col++) {
                double v = values[r][col];
                c.g.setColor(Double.isFinite(v) ? ramp((v - lo) / (hi - lo)) : new Color(0xEEEEEE));
                int x0 = (int) Math.round(c.left + col * cw), x1 = (int) Math.round(c.left + (col + 1) * cw);
                int y0 = (int) Math.round(c.top + r * rh), y1 = (int) Math.round(c.top + (r + 1) * rh);
                c.g.fillRect(x0, y0, x1 - x0, y1 - y0);
            }
        }
        c.g.setColor(Color.BLACK);
        c.g.drawRect(c.left, c.top, c.right - c.left, c.bottom - c.top);
        int every = Math.max(1, (int) Math.ceil(cols * 28.0 / (c.right - c.left)));
        for (int col = 0; col < cols; col += every) c.centered(columns.get(col), (int) (c.left + (col + 0.5) * cw), c.bottom + 16);
        for (int r = 0; r < nRows; r++) {
            String s = rows.get(r);
            c.g.drawString(s, c.left - 6 - c.g.getFontMetrics().stringWidth(s), (int) (c.top + (r + 0.5) * rh) + 4);
        }
        c.centered(xLabel, (c.left + c.right) / 2, c.bottom + 34);
        c.g.drawString(yLabel, 6, c.top - 8);
        // Color bar.
        int bx = c.right + 20, bw = 16;
        for (int y = c.top; y <= c.bottom; y++) {
            c.g.setColor(ramp(1 - (y - c.top) / (double) (c.bottom - c.top)));
            c.g.drawLine(bx, y, bx + bw, y);
        }
        c.g.setColor(Color.BLACK);
        c.g.drawRect(bx, c.top, bw, c.bottom - c.top);
        c.g.drawString(ChartCanvas.format(hi), bx + bw + 4, c.top + 10);
        c.g.drawString(ChartCanvas.format(lo), bx + bw + 4, c.bottom);
        return c.png();
    }

    /** Low = pale yellow, high = dark red (a sequential ramp readable in gray too). */
    static Color ramp(double t) {
        double u = Math.clamp(t, 0, 1);
        int r = (int) Math.round(255 - 120 * u);
        int g = (int) Math.round(245 - 225 * u);
        int b = (int) Math.round(200 - 170 * u);
        return new Color(r, g, b);
    }
}
