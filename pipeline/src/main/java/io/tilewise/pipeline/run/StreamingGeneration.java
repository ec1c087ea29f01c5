package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenOrder;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.caches.flashblock.ChunkAttention;
import io.tilewise.caches.flashblock.FlashBlockKernel;
import io.tilewise.caches.flashblock.KvCache;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.onnx.ModelSessions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Streaming generation with a block-causal model ({@code causal_chunk_frames > 0}): the video is denoised chunk by
 * chunk. Each ORT forward covers one chunk's tokens (RoPE at the chunk's frame positions); its self-attention is
 * {@link ChunkAttention}: the chunk's own keys through the policy's method (block-internal) plus a key/value cache of
 * the finished chunks (block-external, dense; cached across steps by {@code flashblock}). When a chunk is done it goes
 * to the {@link StreamListener}, then one more forward at t = 0 on the clean chunk (the cache pass) appends its keys
 * and values, per layer and CFG branch, to the {@link KvCache}; the window keeps the last chunks only, so the video
 * can be longer than the training clips.
 *
 * <p>The initial noise is the full-clip noise of the same seed (same draw order), sliced per chunk. Steps reported to
 * the {@link StepListener} and recorded in {@link AttentionCall}s count through all chunks ({@code chunk·steps + step});
 * the {@link AttentionContext} of a call carries the chunk-local step, which is what refresh intervals count.
 *
 * <p>One generation per instance; sessions and caches are created for it and closed after it.
 */
final class StreamingGeneration implements AutoCloseable {

    private final ModelConfig config;
    private final ModelSessions sessions;
    private final Tokenizer tokenizer;
    private final int chunkFrames;
    private final Map<String, AttentionSession> internal = new HashMap<>();
    private final Map<String, ChunkAttention> chunkAttention = new HashMap<>();
    private final List<AutoCloseable> owned = new ArrayList<>();

    StreamingGeneration(ModelConfig config, ModelSessions sessions, Tokenizer tokenizer) {
        this.config = config;
        this.sessions = sessions;
        this.tokenizer = tokenizer;
        this.chunkFrames = config.causalChunkFrames();
        if (chunkFrames < 1) {
            throw new IllegalArgumentException("model " + config.modelId() + " is not block-causal (causal_chunk_frames 0); "
                    + "streaming needs a block-causal model such as tiny-t2v-causal");
        }
    }

    GenerationResult run(GenerationRequest request, AttentionPolicy policy, StreamOptions options, StreamListener chunks,
                         StepListener steps) {
        long start = System.nanoTime();
        int[] patch = config.patch();
        Patchifier whole = new Patchifier(config.channels(), patch[0], patch[1], patch[2], request.frames(), request.height(), request.width());
        TokenGrid grid = whole.grid();
        int perFrame = grid.tokensPerFrame();
        int p = config.patchSize();
        int chunkCount = (grid.frames() + chunkFrames - 1) / chunkFrames;
        int batch = request.usesGuidance() ? 2 : 1;
        int window = options.window(config);

        List<String> warnings = new ArrayList<>();
        Tokenizer.Encoding cond = tokenizer.encode(request.prompt());
        String warning = cond.warning(tokenizer.vocab());
        if (warning != null) warnings.add(warning);
        List<Tokenizer.Encoding> prompts = batch == 2 ? List.of(cond, tokenizer.unconditional()) : List.of(cond);

        float[] latent = whole.patchify(Pipeline.noise(request.seed(), whole.channels() * request.frames() * request.height() * request.width()));
        double[] times = FlowMatchEuler.times(request.steps(), request.shift());
        List<AttentionCall> calls = new ArrayList<>();
        long stageNanos = 0;
        long attentionNanos = 0;
        long prepareNanos = 0;
        Map<Integer, WorkspaceBuffers> workspaces = new HashMap<>();
        try (KvCache cache = new KvCache(config.blocks(), batch, config.heads(), config.headDim(), window, chunkFrames * perFrame)) {
            for (int c = 0; c < chunkCount; c++) {
                int firstFrame = c * chunkFrames;
                int frames = Math.min(chunkFrames, grid.frames() - firstFrame);
                TokenGrid chunkGrid = new TokenGrid(frames, grid.height(), grid.width());
                AttentionShape shape = new AttentionShape(1, config.heads(), config.headDim(), TokenLayout.video(chunkGrid));
                int n = chunkGrid.volume();
                WorkspaceBuffers ws = workspaces.get(frames);
                if (ws == null) {
                    ws = own(new WorkspaceBuffers(sessions, config, chunkGrid, batch));
                    workspaces.put(frames, ws);
                    stageNanos += ws.encodeText(prompts);
                }
                ws.framePositions(chunkGrid, config, firstFrame, grid.frames());
                long prepare0 = System.nanoTime();
                for (AttentionPolicy.Rule rule : policy.rules()) attentionFor(rule.kernel(), shape);
                prepareNanos += System.nanoTime() - prepare0;
                float[] x = new float[n * p];
                System.arraycopy(latent, firstFrame * perFrame * p, x, 0, n * p);
                float[] velocity = new float[n * p];
                long chunkAttention = 0;
                for (int step = 0; step < request.steps(); step++) {
                    double t = times[step];
                    stageNanos += ws.embed(x, (float) t);
                    for (int layer = 0; layer < config.blocks(); layer++) {
                        stageNanos += ws.pre(layer);
                        for (int b = 0; b < batch; b++) {
                            Branch branch = b == 0 ? Branch.COND : Branch.UNCOND;
                            AttentionKernel kernel = policy.kernelFor(layer, step, branch);
                            Attention a = attentionFor(kernel, shape);
                            AttentionContext ctx = new AttentionContext(step, request.steps(), t, layer, branch, Float.NaN, TokenOrder.IDENTITY);
                            long a0 = System.nanoTime();
                            a.chunk().forward(a.internal(), ws.q[b], ws.k[b], ws.v[b], cache.context(layer, b), ctx, ws.attn[b]);
                            long nanos = System.nanoTime() - a0;
                            chunkAttention += nanos;
                            calls.add(new AttentionCall(c * request.steps() + step, layer, branch, kernel.spec(), a.chunk().executedDensity(), nanos));
                        }
                        stageNanos += ws.post(layer);
                    }
                    stageNanos += ws.head();
                    float[] v = ws.velocity.toArray();
                    if (batch == 2) FlowMatchEuler.guide(v, 0, v, n * p, request.guidance(), velocity);
                    else System.arraycopy(v, 0, velocity, 0, velocity.length);
                    FlowMatchEuler.step(x, velocity, times[step + 1] - t);
                    steps.onStep(new StepListener.StepProgress(c * request.steps() + step, chunkCount * request.steps(), t,
                            System.nanoTime() - start));
                }
                attentionNanos += chunkAttention;
                System.arraycopy(x, 0, latent, firstFrame * perFrame * p, n * p);
                long held = cache.bytes() + stateBytes();
                Patchifier part = new Patchifier(config.channels(), patch[0], patch[1], patch[2], frames * patch[0], request.height(), request.width());
                Video video = Video.fromChannelsFirst(part.unpatchify(x), frames * patch[0], request.height(), request.width());
                chunks.onChunk(new StreamListener.Chunk(c, chunkCount, firstFrame * patch[0], video, System.nanoTime() - start,
                        chunkAttention, cache.tokens() / perFrame * patch[0], held));
                if (c + 1 < chunkCount) {
                    long[] nanos = cachePass(ws, x, shape, cache, batch);
                    stageNanos += nanos[0];
                    attentionNanos += nanos[1];
                }
            }
        }
        Video video = Video.fromChannelsFirst(whole.unpatchify(latent), request.frames(), request.height(), request.width());
        Timings timings = new Timings(System.nanoTime() - start, stageNanos, attentionNanos, prepareNanos);
        return new GenerationResult(video, timings, calls, warnings, policy.toString());
    }

    /**
     * The clean chunk at t = 0 through every block: its keys and values per layer and branch are staged into the cache
     * (attention sees the earlier chunks and itself, dense, uncached), then committed. Returns {stage, attention} ns.
     */
    private long[] cachePass(WorkspaceBuffers ws, float[] clean, AttentionShape shape, KvCache cache, int batch) {
        Attention dense = attentionFor(new DenseKernel(), shape);
        long stage = ws.embed(clean, 0f);
        long attention = 0;
        for (int layer = 0; layer < config.blocks(); layer++) {
            stage += ws.pre(layer);
            for (int b = 0; b < batch; b++) {
                Branch branch = b == 0 ? Branch.COND : Branch.UNCOND;
                AttentionContext ctx = new AttentionContext(0, 1, 0.0, layer, branch, Float.NaN, TokenOrder.IDENTITY);
                long a0 = System.nanoTime();
                dense.chunk().forward(dense.internal(), ws.q[b], ws.k[b], ws.v[b], cache.context(layer, b), ctx, ws.attn[b]);
                attention += System.nanoTime() - a0;
                cache.append(layer, b, ws.k[b], ws.v[b]);
            }
            stage += ws.post(layer);
        }
        cache.commit();
        return new long[] {stage, attention};
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
            return new Attention(chunk, internalSession(new DenseKernel(), shape));
        }
        String plain = "uncached|" + shape.layout();
        ChunkAttention chunk = chunkAttention.get(plain);
        if (chunk == null) {
            chunk = own(ChunkAttention.uncached(shape));
            chunkAttention.put(plain, chunk);
        }
        return new Attention(chunk, internalSession(kernel, shape));
    }

    private AttentionSession internalSession(AttentionKernel kernel, AttentionShape shape) {
        String key = kernel.spec() + "|" + shape.layout();
        AttentionSession session = internal.get(key);
        if (session == null) {
            Support support = kernel.supports(shape, Device.CPU);
            if (!support.supported()) {
                throw new IllegalArgumentException("attention method " + kernel.spec() + " cannot run on chunk grid " + shape.layout()
                        + ": " + support.reason());
            }
            session = own(kernel.prepare(shape, Device.CPU));
            internal.put(key, session);
        }
        return session;
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
