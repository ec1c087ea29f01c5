package io.tilewise.pipeline.run;

/**
 * Receives each chunk of a streaming generation as soon as it is denoised, on the generating thread, before the next
 * chunk starts: a media app can show (or encode) the first frames while the rest is still being generated.
 */
@FunctionalInterface
public interface StreamListener {

    StreamListener NONE = c -> { };

    void onChunk(Chunk chunk);

    /**
     * One finished chunk.
     *
     * @param index          chunk index, 0-based
     * @param chunks         number of chunks of the generation
     * @param firstFrame     video frame of the chunk's first frame
     * @param frames         the chunk's frames
     * @param elapsedNanos   time since the generation started
     * @param attentionNanos time of the chunk's self-attention calls while denoising (the cache pass not included)
     * @param contextFrames  frames of earlier chunks the chunk attended (the key/value cache window)
     * @param cacheBytes     bytes the key/value cache and cached attention parts held while denoising the chunk
     */
    record Chunk(int index, int chunks, int firstFrame, Video frames, long elapsedNanos, long attentionNanos,
                 int contextFrames, long cacheBytes) {
    }
}
