package io.tilewise.pipeline.onnx;

import io.tilewise.attention.api.TokenGrid;

/**
 * Where in the frame each token sits, as Fourier features of its fractional position: with {@code u = (x + ½)/width}
 * and {@code w = (y + ½)/height} in (0, 1) and {@code j = 1..k}, a token's {@code 4k} values are
 * {@code sin(πju)…, cos(πju)…, sin(πjw)…, cos(πjw)…} (each group j = 1..k in order). The frame index is left out,
 * so every frame and every streaming chunk gets the same table.
 *
 * <p>Why: RoPE only gives attention relative offsets, so a model could not tell the left half of the frame from the
 * right except through edge effects, and could not draw a layout the prompt implies (an object "moving right" starts
 * on the left). Fractional coordinates mean the same thing at 32×32 and 64×64, so mixed training sizes agree.
 */
public final class PositionFeatures {

    private PositionFeatures() {
    }

    /** {@code [tokens, 4k]} row-major, tokens in the grid's order. */
    public static float[] of(TokenGrid grid, int k) {
        int per = 4 * k;
        float[] out = new float[grid.volume() * per];
        for (int f = 0; f < grid.frames(); f++) {
            for (int y = 0; y < grid.height(); y++) {
                double w = (y + 0.5) / grid.height();
                for (int x = 0; x < grid.width(); x++) {
                    double u = (x + 0.5) / grid.width();
                    int row = grid.index(f, y, x) * per;
                    for (int j = 0; j < k; j++) {
                        double a = Math.PI * (j + 1);
                        out[row + j] = (float) Math.sin(a * u);
                        out[row + k + j] = (float) Math.cos(a * u);
                        out[row + 2 * k + j] = (float) Math.sin(a * w);
                        out[row + 3 * k + j] = (float) Math.cos(a * w);
                    }
                }
            }
        }
        return out;
    }
}
