package io.tilewise.pipeline.onnx;

import io.tilewise.attention.api.TokenGrid;

/**
 * The 3-D RoPE angle tables of one token grid: {@code cos, sin [tokens, headDim/2]}, one column per rotated pair.
 * headDim is split into consecutive parts of {@code ropeAxes} for (frame, y, x); in a part of size {@code a} pair
 * {@code j < a/2} rotates by {@code pos·theta^(−2j/a)} where pos is the token's integer coordinate on that axis.
 * Angles are computed in double and rounded to float.
 */
public record RopeTables(int tokens, int pairs, float[] cos, float[] sin) {

    public static RopeTables of(TokenGrid grid, int[] ropeAxes, double theta) {
        return of(grid, ropeAxes, theta, 0);
    }

    /**
     * The tables of a grid whose frame 0 sits at frame position {@code firstFrame} of the video (a chunk of
     * streaming generation; RoPE scores depend on position differences only, so chunks past the training length
     * see the same relative positions as a clip that starts at frame 0).
     */
    public static RopeTables of(TokenGrid grid, int[] ropeAxes, double theta, int firstFrame) {
        int pairs = 0;
        for (int a : ropeAxes) pairs += a / 2;
        int tokens = grid.volume();
        float[] cos = new float[tokens * pairs];
        float[] sin = new float[tokens * pairs];
        for (int f = 0; f < grid.frames(); f++) {
            for (int y = 0; y < grid.height(); y++) {
                for (int x = 0; x < grid.width(); x++) {
                    int token = grid.index(f, y, x);
                    int[] pos = {firstFrame + f, y, x};
                    int p = 0;
                    for (int axis = 0; axis < 3; axis++) {
                        int a = ropeAxes[axis];
                        for (int j = 0; j < a / 2; j++, p++) {
                            double angle = pos[axis] * Math.pow(theta, -2.0 * j / a);
                            cos[token * pairs + p] = (float) Math.cos(angle);
                            sin[token * pairs + p] = (float) Math.sin(angle);
                        }
                    }
                }
            }
        }
        return new RopeTables(tokens, pairs, cos, sin);
    }
}
