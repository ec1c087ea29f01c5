package io.tilewise.caches.flashblock;

import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecReader;

/**
 * {@code flashblock:tau=N[,drift=X][,context=C][,chunk=F]} — FlashBlock (docs/methods.md §6): the block-external attention of a chunk's
 * queries (to earlier chunks) is computed at the chunk's first denoising step and then every {@code tau} steps,
 * cached as output and LSE, and merged by LSE with the block-internal attention computed every step.
 *
 * @param tau         refresh interval in steps; 1 recomputes every step (= the uncached block-causal run)
 * @param chunkFrames latent frames per chunk on full-sequence layouts; 0 = take it from the model
 *                    ({@code causal_chunk_frames}), which the pipeline does
 * @param drift       0 = refresh every {@code tau} steps only; &gt; 0 = also refresh as soon as the chunk's queries moved
 *                    more than this (relative L2, all heads) from those the cached part was computed with, so
 *                    fast-changing early steps refresh and stable late steps reuse up to {@code tau} steps
 * @param minContext  cache the external part only for chunks with at least this many earlier chunks; chunks with
 *                    less context recompute it every step (0 = cache from the second chunk on). With c earlier
 *                    chunks caching saves at most c/(c+1) of a chunk's attention, while every chunk's error feeds
 *                    all later chunks through their key/value cache: short-context chunks cost the most quality
 *                    for the least time
 */
public record FlashBlockSpec(int tau, int chunkFrames, double drift, int minContext) {

    public static final int DEFAULT_TAU = 2;
    public static final int MAX_TAU = 1000;
    public static final int MAX_CONTEXT = 1 << 16;

    public FlashBlockSpec {
        if (tau < 1 || tau > MAX_TAU) throw new IllegalArgumentException("tau " + tau + " must be in 1.." + MAX_TAU);
        if (chunkFrames < 0) throw new IllegalArgumentException("chunk " + chunkFrames + " must be >= 0");
        if (!(drift >= 0) || drift > 10) throw new IllegalArgumentException("drift " + drift + " must be in [0, 10]");
        if (minContext < 0 || minContext > MAX_CONTEXT) {
            throw new IllegalArgumentException("context " + minContext + " must be in 0.." + MAX_CONTEXT);
        }
    }

    public FlashBlockSpec(int tau, int chunkFrames) {
        this(tau, chunkFrames, 0, 0);
    }

    /** The same spec on chunks of {@code frames} latent frames. */
    public FlashBlockSpec withChunk(int frames) {
        return new FlashBlockSpec(tau, frames, drift, minContext);
    }

    public static FlashBlockSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "tau", "chunk", "drift", "context");
        int tau = r.intValue("tau", DEFAULT_TAU, 1, MAX_TAU);
        int chunk = r.intValue("chunk", 0, 1, 1 << 20);
        double drift = r.doubleValue("drift", 0, 0, false, 10);
        int context = r.intValue("context", 0, 0, MAX_CONTEXT);
        r.done();
        return new FlashBlockSpec(tau, chunk, drift, context);
    }

    public String canonical() {
        return "flashblock:tau=" + tau + (drift > 0 ? ",drift=" + drift : "") + (minContext > 0 ? ",context=" + minContext : "")
                + (chunkFrames > 0 ? ",chunk=" + chunkFrames : "");
    }
}
