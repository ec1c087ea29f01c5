package io.tilewise.pipeline.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.run.Video;

/**
 * How one video size maps to the model's latent and its token grid: the sampler runs on a flat latent of
 * {@link #values()} floats, token-major (the tokens of latent frame {@code f} are the values
 * {@code [f·valuesPerFrame(), (f+1)·valuesPerFrame())}), so streaming slices chunks out of it. Identity-like for
 * pixel-space models (patchify), a VAE for latent models.
 */
public interface LatentLayout {

    /** Self-attention tokens: latent frames × height × width of the token grid. */
    TokenGrid grid();

    /** Floats of the whole latent. */
    int values();

    /** Floats of one latent frame's tokens. */
    int valuesPerFrame();

    /** Video frames made from {@code latentFrames} latent frames starting at latent frame {@code first}. */
    int videoFrames(int first, int latentFrames);

    /** The video frame where latent frame {@code latentFrame} starts. */
    int videoFrame(int latentFrame);

    /** The seeded initial noise, in the family's own draw order (same seed → same clip). */
    float[] noise(long seed);

    /** Video of {@code latentFrames} latent frames ({@code part} holds exactly their values), starting at {@code first}. */
    Video video(float[] part, int first, int latentFrames);
}
