package io.tilewise.attention.cost;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Draws one head of a plan as a tile map a person can read: query tiles down, key tiles across. Whole tiles are
 * dark blue, token-masked tiles a lighter blue by how full they are, approximated tiles orange, skipped tiles
 * white; text rows and columns are tinted and labelled.
 */
public final class PlanImage {

    private static final int MAX_SIDE = 1024;
    private static final int LEGEND = 28;
    private static final Color FULL = new Color(0x1f3b73);
    private static final Color APPROX = new Color(0xf0a030);
    private static final Color TEXT_TINT = new Color(0xd04040);

    private PlanImage() {
    }

    public static BufferedImage render(BlockSparsePlan plan, TokenLayout layout, int head) {
        int qTiles = plan.qTiles();
        int kTiles = plan.kTiles();
        int cell = Math.max(1, Math.min(16, MAX_SIDE / Math.max(qTiles, kTiles)));
        int width = Math.max(kTiles * cell, 360);
        BufferedImage image = new BufferedImage(width, qTiles * cell + LEGEND, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        int[] fill = new int[kTiles];
        for (int qt = 0; qt < qTiles; qt++) {
            int row = plan.row(head, qt);
            java.util.Arrays.fill(fill, -1);
            for (int e = plan.exactStart(row); e < plan.exactEnd(row); e++) {
                int m = plan.maskIndex(e);
                fill[plan.exactTile(e)] = m < 0 ? 255 : maskFill(plan, m);
            }
            for (int e = plan.approxStart(row); e < plan.approxEnd(row); e++) fill[plan.approxTile(e)] = -2;
            for (int kt = 0; kt < kTiles; kt++) {
                Color c = fill[kt] == -1 ? null : fill[kt] == -2 ? APPROX : blend(Color.WHITE, FULL, 0.25 + 0.75 * fill[kt] / 255.0);
                if (c == null) continue;
                g.setColor(c);
                g.fillRect(kt * cell, qt * cell, cell, cell);
            }
        }
        if (layout != null && layout.textTokens() > 0) {
            g.setColor(new Color(TEXT_TINT.getRed(), TEXT_TINT.getGreen(), TEXT_TINT.getBlue(), 70));
            int from = layout.textStart();
            int to = from + layout.textTokens();
            int q0 = from / plan.qTile() * cell, q1 = ((to - 1) / plan.qTile() + 1) * cell;
            int k0 = from / plan.kTile() * cell, k1 = ((to - 1) / plan.kTile() + 1) * cell;
            g.fillRect(0, q0, kTiles * cell, q1 - q0);
            g.fillRect(k0, 0, k1 - k0, qTiles * cell);
        }
        g.setColor(Color.DARK_GRAY);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        String legend = String.format("head %d  %dx%d tiles of %dx%d tokens  executed %.1f%%  blue=exact orange=approx%s",
                head, qTiles, kTiles, plan.qTile(), plan.kTile(), 100 * plan.executedDensity(),
                layout != null && layout.textTokens() > 0 ? " red=text" : "");
        g.drawString(legend, 4, qTiles * cell + 18);
        g.dispose();
        return image;
    }

    /** Writes a PNG atomically (temp file, then rename). */
    public static void writePng(BufferedImage image, Path path) throws IOException {
        AtomicFiles.write(path, tmp -> {
            if (!ImageIO.write(image, "png", tmp.toFile())) throw new IOException("no PNG writer available");
        });
    }

    private static int maskFill(BlockSparsePlan plan, int m) {
        int words = plan.kTile() * plan.wordsPerColumn();
        long set = 0;
        for (int i = 0; i < words; i++) set += Long.bitCount(plan.maskWord(plan.maskOffset(m) + i));
        return (int) Math.min(254, 255 * set / ((long) plan.kTile() * plan.qTile()));
    }

    private static Color blend(Color a, Color b, double t) {
        return new Color((int) (a.getRed() + (b.getRed() - a.getRed()) * t),
                (int) (a.getGreen() + (b.getGreen() - a.getGreen()) * t),
                (int) (a.getBlue() + (b.getBlue() - a.getBlue()) * t));
    }
}
