package io.tilewise.pipeline.report;

import io.tilewise.pipeline.run.Video;

/**
 * The comparison video: dense | method | |method − dense|·gain, each panel scaled up by an integer factor (nearest
 * neighbour, so pixels stay pixels), with a white gutter between panels.
 */
public final class SideBySide {

    /** Gutter between panels, in output pixels. */
    static final int GUTTER = 4;

    private SideBySide() {
    }

    public static Video compose(Video dense, Video method, double gain, int scale) {
        if (dense.frames() != method.frames() || dense.height() != method.height() || dense.width() != method.width()) {
            throw new IllegalArgumentException("videos differ in size");
        }
        if (scale < 1) throw new IllegalArgumentException("scale " + scale + " must be >= 1");
        int h = dense.height() * scale, w = dense.width() * scale;
        int width = 3 * w + 2 * GUTTER;
        float[] rgb = new float[dense.frames() * h * width * 3];
        java.util.Arrays.fill(rgb, 1f);
        for (int f = 0; f < dense.frames(); f++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < 3; c++) {
                        float a = dense.get(f, y / scale, x / scale, c);
                        float b = method.get(f, y / scale, x / scale, c);
                        int row = (f * h + y) * width;
                        rgb[(row + x) * 3 + c] = a;
                        rgb[(row + w + GUTTER + x) * 3 + c] = b;
                        rgb[(row + 2 * (w + GUTTER) + x) * 3 + c] = (float) Math.min(1.0, Math.abs(b - a) * gain);
                    }
                }
            }
        }
        return new Video(dense.frames(), h, width, rgb);
    }
}
