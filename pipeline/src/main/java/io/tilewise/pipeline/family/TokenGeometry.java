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

    /**
     * The grid of a video of this size.
     *
     * @throws IllegalArgumentException when the size does not divide into whole tokens (one line with the rule)
     */
    public TokenGrid grid(int frames, int height, int width) {
        check(frames, height, width);
        int f = firstFrameAlone ? 1 + (frames - 1) / frameStride : frames / frameStride;
        return new TokenGrid(f, height / heightStride, width / widthStride);
    }

    /** Refuses a size that does not divide into whole tokens, naming the rule. */
    public void check(int frames, int height, int width) {
        // with the first frame alone, other counts are rounded down to 1 + n·stride by the model (as diffusers does)
        boolean framesFit = firstFrameAlone || frames % frameStride == 0;
        if (!framesFit || height % heightStride != 0 || width % widthStride != 0 || frames < 1 || height < 1 || width < 1) {
            String frameRule = firstFrameAlone ? "at least 1 frame" : "frames a multiple of " + frameStride;
            throw new IllegalArgumentException("video " + frames + " frames of " + width + "x" + height
                    + " px does not fit the model's tokens (" + frameRule + ", height a multiple of " + heightStride
                    + ", width of " + widthStride + ")");
        }
    }

    /** Video tokens of a video of this size, as a long (no grid is built, so any size can be asked). */
    public long tokens(int frames, int height, int width) {
        long f = firstFrameAlone ? 1 + (frames - 1) / frameStride : frames / frameStride;
        return f * (height / heightStride) * (long) (width / widthStride);
    }
}
