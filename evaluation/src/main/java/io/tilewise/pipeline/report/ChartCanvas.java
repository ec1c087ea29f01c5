package io.tilewise.pipeline.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A PNG chart drawn with Java2D (headless): a plot area with linear axes, ticks at 1-2-5 steps, a title and axis
 * labels. The chart classes draw their data through {@link #x(double)} and {@link #y(double)}.
 */
final class ChartCanvas {

    /** Series colors (colour-blind friendly, Tableau 10). */
    static final Color[] PALETTE = {new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2),
            new Color(0x59A14F), new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F),
            new Color(0xBAB0AC)};

    final BufferedImage image;
    final Graphics2D g;
    final int left, top, right, bottom;
    private double x0, x1, y0, y1;

    ChartCanvas(int width, int height, int left, int top, int right, int bottom) {
        this.image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        this.g = image.createGraphics();
        this.left = left;
        this.top = top;
        this.right = width - right;
        this.bottom = height - bottom;
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    }

    static Color color(int series) {
        return PALETTE[Math.floorMod(series, PALETTE.length)];
    }

    void ranges(double xMin, double xMax, double yMin, double yMax) {
        this.x0 = xMin;
        this.x1 = xMax > xMin ? xMax : xMin + 1;
        this.y0 = yMin;
        this.y1 = yMax > yMin ? yMax : yMin + 1;
    }

    int x(double value) {
        return (int) Math.round(left + (value - x0) / (x1 - x0) * (right - left));
    }

    int y(double value) {
        return (int) Math.round(bottom - (value - y0) / (y1 - y0) * (bottom - top));
    }

    /** Axes, grid lines and tick labels over the current ranges. */
    void axes(String xLabel, String yLabel) {
        g.setStroke(new BasicStroke(1f));
        for (double t : ticks(x0, x1)) {
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(x(t), top, x(t), bottom);
            g.setColor(Color.DARK_GRAY);
            centered(format(t), x(t), bottom + 16);
        }
        for (double t : ticks(y0, y1)) {
            g.setColor(new Color(0xE6E6E6));
            g.drawLine(left, y(t), right, y(t));
            g.setColor(Color.DARK_GRAY);
            String s = format(t);
            g.drawString(s, left - 6 - g.getFontMetrics().stringWidth(s), y(t) + 4);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, right - left, bottom - top);
        centered(xLabel, (left + right) / 2, bottom + 34);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        FontMetrics fm = rotated.getFontMetrics();
        rotated.drawString(yLabel, -(top + bottom) / 2 - fm.stringWidth(yLabel) / 2, left - 44);
        rotated.dispose();
    }

    void title(String title) {
        Font old = g.getFont();
        g.setFont(old.deriveFont(Font.BOLD, 14f));
        g.setColor(Color.BLACK);
        centered(title, image.getWidth() / 2, 20);
        g.setFont(old);
    }

    void centered(String text, int cx, int baseline) {
        g.drawString(text, cx - g.getFontMetrics().stringWidth(text) / 2, baseline);
    }

    /** A dashed reference line at x = value (vertical) or y = value (horizontal), labelled. */
    void referenceLine(boolean vertical, double value, String label) {
        Graphics2D d = (Graphics2D) g.create();
        d.setColor(new Color(0x888888));
        d.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        if (vertical) {
            d.drawLine(x(value), top, x(value), bottom);
            d.drawString(label, x(value) + 4, top + 14);
        } else {
            d.drawLine(left, y(value), right, y(value));
            d.drawString(label, right - d.getFontMetrics().stringWidth(label) - 4, y(value) - 4);
        }
        d.dispose();
    }

    byte[] png() {
        g.dispose();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Tick values at a 1-2-5 step giving about five ticks. */
    static List<Double> ticks(double min, double max) {
        double range = max - min;
        double raw = range / 5;
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = magnitude * (raw / magnitude < 1.5 ? 1 : raw / magnitude < 3.5 ? 2 : raw / magnitude < 7.5 ? 5 : 10);
        List<Double> ticks = new ArrayList<>();
        for (double t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        return ticks;
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e6) return Long.toString((long) v);
        return String.format(Locale.ROOT, Math.abs(v) >= 10 ? "%.1f" : Math.abs(v) >= 0.1 ? "%.2f" : "%.3g", v);
    }

    /** [min, max] of the values padded by a fraction of the range (NaNs ignored); [0, 1] when none are finite. */
    static double[] padded(List<Double> values, double pad) {
        double min = Double.MAX_VALUE, max = -Double.MAX_VALUE;
        for (double v : values) {
            if (!Double.isFinite(v)) continue;
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (min > max) return new double[] {0, 1};
        double r = max - min == 0 ? Math.max(1e-3, Math.abs(max) * 0.1) : max - min;
        return new double[] {min - pad * r, max + pad * r};
    }
}
