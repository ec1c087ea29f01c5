package io.tilewise.pipeline.family;

import io.tilewise.attention.api.TokenGrid;

/**
 * How a video size becomes the self-attention token grid, known from a model's config alone (for planning, dry runs
 * and cost estimates before anything is loaded): frames are grouped by {@code frameStride} (with
 * {@code firstFrameAlone}, the first frame is a group of its own, as in causal video VAEs: {@code 1 + (F − 1)/stride}),
 * height and width by their strides (patch × any VAE downsampling).
 */
public record TokenGeometry(int frameStride, boolean firstFrameAlone, int heightStride, int widthStride) {

    public TokenGeometry {
        if (frameStride < 1 || heightStride < 1 || widthStride < 1) {
            throw new IllegalArgumentException("strides " + frameStride + "x" + heightStride + "x" + widthStride + " must be >= 1");
        }
    }

    /** The grid of a video of this size (sizes the model rejects are the family's to refuse; this only divides). */
    public TokenGrid grid(int frames, int height, int width) {
        int f = firstFrameAlone ? 1 + (frames - 1) / frameStride : frames / frameStride;
        return new TokenGrid(f, height / heightStride, width / widthStride);
    }

    /** Video tokens of a video of this size, as a long (no grid is built, so any size can be asked). */
    public long tokens(int frames, int height, int width) {
        long f = firstFrameAlone ? 1 + (frames - 1) / frameStride : frames / frameStride;
        return f * (height / heightStride) * (long) (width / widthStride);
    }
}
