package io.tilewise.pipeline.run;

import io.tilewise.pipeline.model.ModelConfig;

/**
 * Settings of streaming (chunk-by-chunk) generation with a block-causal model.
 *
 * @param windowChunks earlier chunks kept in the key/value cache (older ones slide out); 0 = the model's default:
 *                     as many as fill its default clip length with the current chunk, so attention spans never exceed
 *                     what the model was trained on, however long the video
 */
public record StreamOptions(int windowChunks) {

    public StreamOptions {
        if (windowChunks < 0) throw new IllegalArgumentException("cache window " + windowChunks + " must be >= 0 chunks (0 = the model's default)");
    }

    public static StreamOptions defaults() {
        return new StreamOptions(0);
    }

    /** The window in chunks for {@code config} (resolving 0 to the default). */
    public int window(ModelConfig config) {
        return window(config.causalChunkFrames(), config.defaults().frames() / config.patch()[0]);
    }

    /**
     * The window in chunks (resolving 0 to the default) for chunks of {@code chunk} latent frames of a model trained
     * on clips of {@code trainedLatentFrames} latent frames.
     */
    public int window(int chunk, int trainedLatentFrames) {
        if (windowChunks > 0) return windowChunks;
        return Math.max(1, trainedLatentFrames / chunk - 1);
    }
}
