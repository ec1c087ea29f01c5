package io.tilewise.pipeline.onnx;

import io.tilewise.attention.api.TokenGrid;

/**
 * Where in the frame and when in the clip each token sits, as Fourier features of fractions: with
 * {@code u = (x + ½)/width}, {@code w = (y + ½)/height} and {@code s = (frame + ½)/frames} in (0, 1) and
 * {@code j = 1..k}, a token's {@code 6k} values are {@code sin(πju)…, cos(πju)…, sin(πjw)…, cos(πjw)…, sin(πjs)…,
 * cos(πjs)…} (each group j = 1..k in order). {@code frames} is the whole clip's latent frame count, so a streaming
 * chunk passes its first frame and the clip length and gets the rows a full-clip forward would.
 *
 * <p>Why: RoPE only gives attention relative offsets, so a model could not tell the left of the frame from the right,
 * or the start of the clip from its end, except through edge effects, and so could not draw the layout a prompt
 * implies at the high-noise steps that decide it (an object "moving right" is on the left early and on the right
 * late). Fractions mean the same at 32×32 and 64×64 and for 8 or 16 frames, so mixed training sizes agree.
 */
public final class PositionFeatures {

    private PositionFeatures() {
    }

    /** Values per token for {@code k} frequencies. */
    public static int width(int k) {
        return 6 * k;
    }

    /** {@code [tokens, 6k]} row-major for a whole clip of {@code grid.frames()} frames. */
    public static float[] of(TokenGrid grid, int k) {
        return of(grid, k, 0, grid.frames());
    }

    /**
     * {@code [tokens, 6k]} for a grid whose frame 0 is frame {@code firstFrame} of a clip of {@code clipFrames} latent
     * frames (a streaming chunk).
     */
    public static float[] of(TokenGrid grid, int k, int firstFrame, int clipFrames) {
        int per = width(k);
        float[] out = new float[grid.volume() * per];
        for (int f = 0; f < grid.frames(); f++) {
            double s = (firstFrame + f + 0.5) / clipFrames;
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
                        out[row + 4 * k + j] = (float) Math.sin(a * s);
                        out[row + 5 * k + j] = (float) Math.cos(a * s);
                    }
                }
            }
        }
        return out;
    }
}
