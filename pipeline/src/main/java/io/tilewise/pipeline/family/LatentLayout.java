package io.tilewise.pipeline.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.run.InitialNoise;
import io.tilewise.pipeline.run.Video;

import java.util.Arrays;
import java.util.List;

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

    /**
     * The initial latent from caller-given noise in the model's own layout. By default the noise is the flat latent
     * itself ({@link #values()} floats in this layout's order).
     *
     * @throws IllegalArgumentException naming the shape given and the one needed
     */
    default float[] initial(InitialNoise noise) {
        if (noise.values().length != values()) {
            throw new IllegalArgumentException("initial noise of shape " + Arrays.toString(noise.shape()) + " holds "
                    + noise.values().length + " values; this video's latent has " + values());
        }
        return noise.values().clone();
    }

    /** What the model changed about the requested size (e.g. frames rounded as the reference pipeline rounds them). */
    default List<String> warnings() {
        return List.of();
    }
}
