package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenOrder;
import io.tilewise.attention.backend.BackendChoice;
import io.tilewise.attention.backend.DeviceTransfers;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.flashblock.ChunkAttention;
import io.tilewise.caches.flashblock.FlashBlockKernel;
import io.tilewise.caches.flashblock.KvCache;
import io.tilewise.caches.flashblock.KvContext;
import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.family.ModelCard;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Streaming generation with a block-causal model ({@code causalChunkFrames > 0}): the video is denoised chunk by
 * chunk, each chunk through the same {@link StepLoop} as a full clip. Each forward covers one chunk's tokens (positions
 * at the chunk's frames); its self-attention is {@link ChunkAttention}: the chunk's own keys through the policy's
 * method (block-internal, on the pipeline's attention backend) plus a key/value cache of the finished chunks
 * (block-external, dense; cached across steps by {@code flashblock}). When a chunk is done it goes to the
 * {@link StreamListener}, then one more forward at t = 0 on the clean chunk (the cache pass) appends its keys and
 * values, per layer and CFG branch, to the {@link KvCache}; the window keeps the last chunks only, so the video can be
 * longer than the training clips.
 *
 * <p>The initial noise is the full-clip noise of the same seed, sliced per chunk. Steps reported to the
 * {@link StepListener} and recorded in {@link AttentionCall}s count through all chunks ({@code chunk·steps + step});
 * the {@link AttentionContext} of a call carries the chunk-local step, which is what refresh intervals count.
 *
 * <p>One generation per instance; sessions and caches are created for it and closed after it.
 */
final class StreamingGeneration implements AutoCloseable {

    private final DenoiserModel model;
    private final ModelCard card;
    private final BackendChoice backend;
    private final Function<MethodSpec, AttentionKernel> kernels;
    private final int chunkFrames;
    private final Map<String, AttentionSession> internal = new HashMap<>();
    private final Map<String, ChunkAttention> chunkAttention = new HashMap<>();
    private final List<AutoCloseable> owned = new ArrayList<>();

    StreamingGeneration(DenoiserModel model, BackendChoice backend, Function<MethodSpec, AttentionKernel> kernels) {
        this.model = model;
        this.card = model.card();
        this.backend = backend;
        this.kernels = kernels;
        this.chunkFrames = card.causalChunkFrames();
        if (chunkFrames < 1) {
            throw new IllegalArgumentException("model " + card.modelId() + " is not block-causal (causal_chunk_frames 0); "
                    + "streaming needs a block-causal model such as tiny-t2v-causal");
        }
    }

    /** What the run will hold: one chunk's stage buffers, the whole latent and video, the key/value cache. */
    MemoryEstimate memory(GenerationRequest request, AttentionPolicy policy, LatentLayout layout, StreamOptions options) {
        int batch = request.usesGuidance() ? 2 : 1;
        long cache = (long) card.blocks() * batch * 2 * window(options) * chunkFrames * layout.grid().tokensPerFrame()
                * card.heads() * card.headDim();
        return GenerationMemory.estimate(model, layout, request, policy, chunkFrames, cache);
    }

    /** The cache window in chunks; the default fills the model's default clip length. */
    private int window(StreamOptions options) {
        GenerationDefaults d = card.defaults();
        return options.window(chunkFrames, model.layout(d.frames(), d.height(), d.width()).grid().frames());
    }

    GenerationResult run(GenerationRequest request, AttentionPolicy policy, Pipeline.StepCache stepCache, LatentLayout layout,
                         StreamOptions options,
                         StreamListener chunks, StepListener steps) {
        long start = System.nanoTime();
        TokenGrid grid = layout.grid();
        int perFrame = grid.tokensPerFrame();
        int frameValues = layout.valuesPerFrame();
        int chunkCount = (grid.frames() + chunkFrames - 1) / chunkFrames;
        int batch = request.usesGuidance() ? 2 : 1;
        int window = window(options);

        StepLoop loop = new StepLoop(request, policy, stepCache.policy(), stepCache.plan(), card.blocks(), steps, start);
        model.promptWarnings(request.prompt()).forEach(loop::warn);
        float[] latent = request.noise() != null ? layout.initial(request.noise()) : layout.noise(request.seed());
        long prepareNanos = 0;
        Map<Integer, DenoiserStages> segments = new HashMap<>();
        try (KvCache cache = new KvCache(card.blocks(), batch, card.heads(), card.headDim(), window, chunkFrames * perFrame)) {
            for (int c = 0; c < chunkCount; c++) {
                int firstFrame = c * chunkFrames;
                int frames = Math.min(chunkFrames, grid.frames() - firstFrame);
                TokenGrid chunkGrid = new TokenGrid(frames, grid.height(), grid.width());
                AttentionShape shape = new AttentionShape(1, card.heads(), card.headDim(), TokenLayout.video(chunkGrid));
                DenoiserStages stages = segments.get(frames);
                if (stages == null) {
                    stages = own(model.stages(chunkGrid, batch));
                    segments.put(frames, stages);
                    loop.stageTime(stages.encodeText(Pipeline.prompts(request, batch)));
                }
                stages.framePositions(chunkGrid, firstFrame, grid.frames());
                long prepare0 = System.nanoTime();
                for (AttentionPolicy.Rule rule : policy.rules()) attentionFor(rule.kernel(), shape);
                prepareNanos += System.nanoTime() - prepare0;
                float[] x = new float[frames * frameValues];
                System.arraycopy(latent, firstFrame * frameValues, x, 0, x.length);
                long chunkAttention = loop.denoise(stages, model.sampler(request.steps(), request.shift(), request.scheduler()), x,
                        site(shape, cache), c * request.steps(), chunkCount * request.steps());
                System.arraycopy(x, 0, latent, firstFrame * frameValues, x.length);
                long held = cache.bytes() + stateBytes();
                chunks.onChunk(new StreamListener.Chunk(c, chunkCount, layout.videoFrame(firstFrame),
                        layout.video(x, firstFrame, frames), System.nanoTime() - start, chunkAttention,
                        layout.videoFrames(0, cache.tokens() / perFrame), held));
                if (c + 1 < chunkCount) cachePass(loop, stages, x, shape, cache);
            }
        }
        Video video = layout.video(latent, 0, grid.frames());
        return loop.result(video, () -> transfers(segments.values()), prepareNanos);
    }

    /** The chunk's attention calls: the policy's method on its own keys plus the cache of earlier chunks. */
    private StepLoop.AttentionSite site(AttentionShape shape, KvCache cache) {
        return new StepLoop.AttentionSite() {
            @Override
            public AttentionGuard.Invocation call(AttentionKernel kernel, int layer, int branch) {
                return invocation(attentionFor(kernel, shape), cache.context(layer, branch));
            }

            @Override
            public AttentionGuard.Invocation dense(int layer, int branch) {
                return invocation(attentionFor(kernels.apply(MethodSpec.parse("dense")), shape), cache.context(layer, branch));
            }
        };
    }

    /**
     * The clean chunk at t = 0 through every block: its keys and values per layer and branch are staged into the cache
     * (attention sees the earlier chunks and itself, dense, uncached), then committed.
     */
    private void cachePass(StepLoop loop, DenoiserStages stages, float[] clean, AttentionShape shape, KvCache cache) {
        Attention dense = attentionFor(kernels.apply(MethodSpec.parse("dense")), shape);
        loop.forward(stages, clean, 0.0, (layer, b) -> {
            Branch branch = b == 0 ? Branch.COND : Branch.UNCOND;
            AttentionContext ctx = new AttentionContext(0, 1, 0.0, layer, branch, Float.NaN, TokenOrder.IDENTITY);
            long a0 = System.nanoTime();
            dense.chunk().forward(dense.internal(), stages.q(b), stages.k(b), stages.v(b), cache.context(layer, b), ctx, stages.out(b));
            long nanos = System.nanoTime() - a0;
            cache.append(layer, b, stages.k(b), stages.v(b));
            return nanos;
        });
        cache.commit();
    }

    private static AttentionGuard.Invocation invocation(Attention a, KvContext context) {
        return new AttentionGuard.Invocation() {
            @Override
            public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out) {
                a.chunk().forward(a.internal(), q, k, v, context, ctx, out);
            }

            @Override
            public double executedDensity() {
                return a.chunk().executedDensity();
            }
        };
    }

    /** A chunk attention and the session of its block-internal part. */
    private record Attention(ChunkAttention chunk, AttentionSession internal) {
    }

    /**
     * FlashBlock gets its own cached chunk attention (internal part dense); any other method runs on the chunk's own
     * keys, the context part uncached. Created once per (method, chunk shape) for this generation.
     */
    private Attention attentionFor(AttentionKernel kernel, AttentionShape shape) {
        String key = kernel.spec() + "|" + shape.layout();
        if (kernel instanceof FlashBlockKernel flash) {
            ChunkAttention chunk = chunkAttention.get(key);
            if (chunk == null) {
                chunk = own(flash.streaming(shape));
                chunkAttention.put(key, chunk);
            }
            return new Attention(chunk, internalSession(kernels.apply(MethodSpec.parse("dense")), shape));
        }
        String plain = "uncached|" + shape.layout();
        ChunkAttention chunk = chunkAttention.get(plain);
        if (chunk == null) {
            chunk = own(ChunkAttention.uncached(shape));
            chunkAttention.put(plain, chunk);
        }
        return new Attention(chunk, internalSession(kernel, shape));
    }

    /** The block-internal session of {@code kernel}, prepared on the pipeline's attention backend. */
    private AttentionSession internalSession(AttentionKernel kernel, AttentionShape shape) {
        String key = kernel.spec() + "|" + shape.layout();
        AttentionSession session = internal.get(key);
        if (session == null) {
            Support support = backend.supports(kernel, shape);
            if (!support.supported()) {
                throw new IllegalArgumentException("attention method " + kernel.spec() + " cannot run on chunk grid " + shape.layout()
                        + ": " + support.reason());
            }
            session = own(backend.prepare(kernel, shape));
            internal.put(key, session);
        }
        return session;
    }

    /** Copies of this generation: its stage buffers' and its (fresh) attention sessions' whole counts. */
    private Transfers transfers(Iterable<DenoiserStages> segments) {
        long stageIn = 0;
        long stageOut = 0;
        for (DenoiserStages s : segments) {
            stageIn += s.hostToDeviceBytes();
            stageOut += s.deviceToHostBytes();
        }
        long in = 0;
        long out = 0;
        long nanos = 0;
        for (AttentionSession s : internal.values()) {
            if (s instanceof DeviceTransfers d) {
                in += d.hostToDeviceBytes();
                out += d.deviceToHostBytes();
                nanos += d.transferNanos();
            }
        }
        return new Transfers(stageIn, stageOut, in, out, nanos);
    }

    /** Bytes held by cached attention parts (FlashBlock, residual reuse) right now. */
    private long stateBytes() {
        long total = 0;
        for (ChunkAttention c : chunkAttention.values()) total += c.stateBytes();
        for (AttentionSession s : internal.values()) if (s instanceof StatefulSession st) total += st.stateBytes();
        return total;
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned.reversed()) {
            try {
                c.close();
            } catch (Exception ignored) {
                // native buffers and sessions; nothing useful to do on failure
            }
        }
        owned.clear();
    }
}
