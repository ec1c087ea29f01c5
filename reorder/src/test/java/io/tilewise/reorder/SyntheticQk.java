package io.tilewise.reorder;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Synthetic q/k/v whose attention has a known geometry, for calibration tests and benchmarks.
 *
 * <p>{@link #oneHot}: q = k = per-axis one-hot codes of the token's (frame, y, x) with per-head weights, so the
 * score of two video tokens is {@code τ·Σ_axis weight²·[same coordinate]}: attention concentrates on tokens that
 * share the heavily weighted coordinates. {@link #smooth}: Fourier features of the coordinates (a smooth kernel
 * peaked at distance 0 along each weighted axis) plus noise — "local along some axis" without exact ties.
 * Text tokens get small random vectors.
 */
final class SyntheticQk {

    private SyntheticQk() {
    }

    /**
     * One-hot codes; {@code logits[h] = {frames, height, width}} are the score bonuses (after the softmax scale)
     * for sharing that coordinate. headDim must be ≥ frames + height + width.
     */
    static Tensor oneHot(TokenLayout layout, int headDim, double[][] logits, long seed) {
        TokenGrid grid = layout.grid();
        int heads = logits.length;
        if (grid.frames() + grid.height() + grid.width() > headDim) throw new IllegalArgumentException("headDim too small");
        double scale = 1.0 / Math.sqrt(headDim);
        Tensor t = Tensor.allocate(1, heads, layout.seqLen(), headDim);
        SplittableRandom random = new SplittableRandom(seed);
        int[] offset = {0, grid.frames(), grid.frames() + grid.height()};
        for (int h = 0; h < heads; h++) {
            for (int token = 0; token < layout.seqLen(); token++) {
                if (layout.isText(token)) {
                    for (int d = 0; d < headDim; d++) t.set(0, h, token, d, (float) (0.3 * (random.nextDouble() - 0.5)));
                    continue;
                }
                int[] c = layout.coords(token);
                for (int axis = 0; axis < 3; axis++) {
                    // q·k = value² on a shared coordinate, and the softmax multiplies by scale
                    t.set(0, h, token, offset[axis] + c[axis], (float) Math.sqrt(logits[h][axis] / scale));
                }
            }
        }
        return t;
    }

    /**
     * Smooth features: for each axis with weight w, frequencies 1..4 of cos/sin(2π·f·c/size), so q·k ≈
     * w·Σ_f cos(2π f Δc / size) — peaked at Δc = 0 — plus N(0, noise²) per component. Cyclic along each axis.
     */
    static Tensor smooth(TokenLayout layout, int headDim, double[][] weights, double noise, long seed) {
        TokenGrid grid = layout.grid();
        int heads = weights.length;
        int perAxis = headDim / 3 / 2 * 2;
        int frequencies = perAxis / 2;
        double scale = 1.0 / Math.sqrt(headDim);
        Tensor t = Tensor.allocate(1, heads, layout.seqLen(), headDim);
        SplittableRandom random = new SplittableRandom(seed);
        float[] row = new float[headDim];
        for (int h = 0; h < heads; h++) {
            for (int token = 0; token < layout.seqLen(); token++) {
                for (int d = 0; d < headDim; d++) row[d] = (float) (noise * gaussian(random));
                if (!layout.isText(token)) {
                    int[] c = layout.coords(token);
                    for (int axis = 0; axis < 3; axis++) {
                        double amplitude = Math.sqrt(weights[h][axis] / scale / frequencies);
                        int size = grid.size(axis);
                        for (int f = 0; f < frequencies; f++) {
                            // wavelengths from 2 cells up to the axis size: local, but not only on the exact cell
                            double angle = 2 * Math.PI * c[axis] * (f + 1) / (2.0 * size);
                            row[axis * perAxis + 2 * f] += (float) (amplitude * Math.cos(angle));
                            row[axis * perAxis + 2 * f + 1] += (float) (amplitude * Math.sin(angle));
                        }
                    }
                }
                t.copyRowsFrom(0, h, token, 1, row, 0);
            }
        }
        return t;
    }

    static double gaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(1.0 - u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
