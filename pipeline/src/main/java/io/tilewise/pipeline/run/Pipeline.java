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
import io.tilewise.attention.api.VectorApi;
import io.tilewise.attention.backend.Backend;
import io.tilewise.attention.backend.BackendChoice;
import io.tilewise.attention.backend.BackendSelector;
import io.tilewise.attention.backend.DeviceTransfers;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.memory.MemoryLimit;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.caches.flashblock.BlockCausalKernel;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelDirectory;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.StageDevice;
import io.tilewise.pipeline.onnx.StageProvider;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Text-to-video generation with a pluggable self-attention: loads a model once (ONNX Runtime stage sessions built
 * from its weights), then runs {@link GenerationRequest}s.
 *
 * <p>Per step: the embed stage, then per block the pre stage (ORT) → q, k, v → our attention per CFG branch, as the
 * {@link AttentionPolicy} chooses → the post stage (ORT), then the head; the conditional and unconditional
 * branches run together as batch 2 in every ORT stage (batch 1 when guidance is 1), and attention is called once per
 * branch on zero-copy views of the ORT buffers, so each call carries its own {@link Branch}. The context's
 * {@code timestep} is the flow time {@code t ∈ [0, 1]} of the step (1 = noise), not {@code 1000·t}; the token layout is
 * the video grid alone (text enters through cross-attention, so self-attention has no text tokens).
 *
 * <p>Block-causal models ({@code causal_chunk_frames > 0}): {@link #generate} denoises all chunks together under the
 * chunk-causal mask (each method restricted to it, see {@link BlockCausalKernel}); {@link #generateStreaming} denoises
 * them one after another with a key/value cache and hands out each chunk as soon as it is done.
 *
 * <p>Sampling runs in patch space (patchify is a permutation, so Euler steps there equal steps on pixels); the seeded
 * N(0, 1) noise is drawn in {@code [3, frames, height, width]} order from a {@link SplittableRandom} (Box–Muller).
 *
 * <p>Thread safety: one generation at a time per pipeline. {@link #generate} holds a fair lock for the whole run;
 * concurrent callers wait their turn and get the same result they would get alone. Attention sessions are prepared
 * once per (method spec, shape) and cached until {@link #close()}, which waits for a running generation.
 */
public final class Pipeline implements AutoCloseable {

    /**
     * @param ortThreads  threads of a generation: ONNX Runtime's intra-op threads and our attention kernels' threads
     *                    ({@link Parallel#withThreads}), so the two never oversubscribe the cores
     * @param kernels     turns a method spec into a kernel (default: the {@link AttentionMethods} registry)
     * @param backend     where attention runs (default {@code auto}: TornadoVM when installed with a device, else the CPU)
     * @param device      where the ORT stages run (default {@code cpu}; {@code cuda} falls back to the CPU, saying why)
     * @param memoryLimit what a generation may plan to use (null: {@link MemoryLimit#defaults()}, read per generation)
     */
    public record Options(int ortThreads, Function<MethodSpec, AttentionKernel> kernels, Backend backend, StageDevice device,
                          MemoryLimit memoryLimit) {
        public Options {
            if (ortThreads < 1) throw new IllegalArgumentException("ORT threads " + ortThreads + " must be >= 1");
            if (kernels == null) kernels = AttentionMethods::create;
            if (backend == null) backend = Backend.AUTO;
            if (device == null) device = StageDevice.CPU;
        }

        public Options(int ortThreads, Function<MethodSpec, AttentionKernel> kernels) {
            this(ortThreads, kernels, Backend.AUTO, StageDevice.CPU, null);
        }

        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), AttentionMethods::create);
        }

        public Options withKernels(Function<MethodSpec, AttentionKernel> newKernels) {
            return new Options(ortThreads, newKernels, backend, device, memoryLimit);
        }

        public Options withBackend(Backend newBackend) {
            return new Options(ortThreads, kernels, newBackend, device, memoryLimit);
        }

        public Options withDevice(StageDevice newDevice) {
            return new Options(ortThreads, kernels, backend, newDevice, memoryLimit);
        }

        public Options withMemoryLimit(MemoryLimit limit) {
            return new Options(ortThreads, kernels, backend, device, limit);
        }

        /** The limit in force: the configured one, else the default. */
        public MemoryLimit effectiveMemoryLimit() {
            return memoryLimit != null ? memoryLimit : MemoryLimit.defaults();
        }
    }

    private record SessionKey(String spec, AttentionShape shape) {
    }

    private final ModelConfig config;
    private final ModelSessions sessions;
    private final Tokenizer tokenizer;
    private final Options options;
    private final BackendChoice backend;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Map<SessionKey, AttentionSession> attention = new HashMap<>();
    private boolean closed;

    private Pipeline(ModelWeights weights, Options options) {
        VectorApi.require();   // before any kernel or backend class loads
        this.config = weights.config();
        this.options = options;
        this.tokenizer = Tokenizer.of(config);
        this.backend = BackendSelector.select(options.backend());
        this.sessions = new ModelSessions(weights, options.ortThreads(), options.device());
    }

    /** Loads and validates a model directory ({@code config.json} + {@code weights.safetensors}). */
    public static Pipeline open(Path modelDir) {
        return open(modelDir, Options.defaults());
    }

    public static Pipeline open(Path modelDir, Options options) {
        return new Pipeline(ModelDirectory.load(modelDir).weights(), options);
    }

    /** A pipeline over weights already in memory. */
    public static Pipeline of(ModelWeights weights, Options options) {
        return new Pipeline(weights, options);
    }

    public ModelConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Where attention runs and why (e.g. the CPU because TornadoVM is not installed). */
    public BackendChoice backend() {
        return backend;
    }

    /** Where the ORT stages run and why (e.g. the CPU because the onnxruntime jar has no CUDA provider). */
    public StageProvider stageProvider() {
        return sessions.provider();
    }

    public GenerationResult generate(GenerationRequest request) {
        return generate(request, StepListener.NONE);
    }

    /**
     * Generates one video. Waits while another generation runs on this pipeline.
     *
     * @throws IllegalArgumentException for sizes the model cannot patchify or a policy method that cannot run on
     *                                  the grid (one line naming the value)
     * @throws io.tilewise.attention.spec.SpecException for a policy that does not parse
     * @throws io.tilewise.attention.memory.MemoryLimitException when the run's estimated memory
     *                                  ({@link GenerationMemory}) is over the limit; checked before anything is allocated
     * @throws NonFiniteAttentionException when attention inputs or outputs hold NaN or infinity (see
     *                                  {@link AttentionPolicy} for {@code nonfinite=dense})
     */
    public GenerationResult generate(GenerationRequest request, StepListener listener) {
        AttentionPolicy policy = AttentionPolicy.parse(request.policy(), kernelsForModel());
        checkPatch(request);
        options.effectiveMemoryLimit().check(GenerationMemory.estimate(config, request, policy));
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("pipeline is closed");
            return Parallel.withThreads(options.ortThreads(),
                    () -> run(request, policy, listener == null ? StepListener.NONE : listener));
        } finally {
            lock.unlock();
        }
    }

    /**
     * Streaming generation with a block-causal model: chunks are denoised one after another with a key/value cache
     * of the finished chunks, and each reaches {@code chunks} as soon as it is done (see {@link StreamingGeneration}).
     * The policy's methods apply to each chunk's own attention; {@code flashblock} caches the attention to earlier
     * chunks. Waits while another generation runs on this pipeline.
     *
     * @throws IllegalArgumentException for a model that is not block-causal, sizes the model cannot patchify, or a
     *                                  method that cannot run on a chunk
     */
    public GenerationResult generateStreaming(GenerationRequest request, StreamOptions stream, StreamListener chunks,
                                              StepListener listener) {
        AttentionPolicy policy = AttentionPolicy.parse(request.policy(), options.kernels());
        checkPatch(request);
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("pipeline is closed");
            try (StreamingGeneration streaming = new StreamingGeneration(config, sessions, tokenizer)) {
                return streaming.run(request, policy, stream == null ? StreamOptions.defaults() : stream,
                        chunks == null ? StreamListener.NONE : chunks, listener == null ? StepListener.NONE : listener);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Bytes held by stateful attention sessions (FlashBlock, residual reuse caches) after the last generation; their
     * state is reset at the start of each generation.
     */
    public long attentionStateBytes() {
        lock.lock();
        try {
            long total = 0;
            for (AttentionSession s : attention.values()) if (s instanceof StatefulSession st) total += st.stateBytes();
            return total;
        } finally {
            lock.unlock();
        }
    }

    /** The kernel factory for full-clip generation: block-causal models restrict every method to their chunk-causal mask. */
    private Function<MethodSpec, AttentionKernel> kernelsForModel() {
        int chunk = config.causalChunkFrames();
        if (chunk <= 0) return options.kernels();
        return spec -> BlockCausalKernel.of(options.kernels().apply(spec), chunk);
    }

    private void checkPatch(GenerationRequest request) {
        int[] patch = config.patch();
        if (request.frames() % patch[0] != 0 || request.height() % patch[1] != 0 || request.width() % patch[2] != 0) {
            throw new IllegalArgumentException("video " + request.frames() + " frames of " + request.width() + "x" + request.height()
                    + " px does not fit the model's patch " + patch[0] + "x" + patch[1] + "x" + patch[2]
                    + " (frames a multiple of " + patch[0] + ", height of " + patch[1] + ", width of " + patch[2] + ")");
        }
    }

    private GenerationResult run(GenerationRequest request, AttentionPolicy policy, StepListener listener) {
        long start = System.nanoTime();
        Patchifier patchifier = new Patchifier(config.channels(), config.patch()[0], config.patch()[1], config.patch()[2],
                request.frames(), request.height(), request.width());
        TokenGrid grid = patchifier.grid();
        int batch = request.usesGuidance() ? 2 : 1;
        AttentionShape shape = new AttentionShape(1, config.heads(), config.headDim(), TokenLayout.video(grid));
        long prepareStart = System.nanoTime();
        for (AttentionPolicy.Rule rule : policy.rules()) session(rule.kernel(), shape);
        long prepareNanos = System.nanoTime() - prepareStart;
        // caches (FlashBlock, residual reuse) never carry state from one generation into the next
        for (AttentionSession s : attention.values()) if (s instanceof StatefulSession st) st.resetState();

        List<String> warnings = new ArrayList<>();
        Tokenizer.Encoding cond = tokenizer.encode(request.prompt());
        String warning = cond.warning(tokenizer.vocab());
        if (warning != null) {
            warnings.add(warning);
            System.getLogger(Pipeline.class.getName()).log(System.Logger.Level.WARNING, warning);
        }
        List<Tokenizer.Encoding> prompts = batch == 2 ? List.of(cond, tokenizer.unconditional()) : List.of(cond);

        float[] latent = patchifier.patchify(noise(request.seed(), patchifier.channels() * request.frames()
                * request.height() * request.width()));
        double[] times = FlowMatchEuler.times(request.steps(), request.shift());
        List<AttentionCall> calls = new ArrayList<>();
        AttentionGuard guard = new AttentionGuard(policy.nonFinite(),
                () -> session(options.kernels().apply(MethodSpec.parse("dense")), shape));
        long stageNanos = 0;
        long attentionNanos = 0;
        long[] attentionCopies = new long[3];
        Transfers transfers;
        try (WorkspaceBuffers ws = new WorkspaceBuffers(sessions, config, grid, batch)) {
            stageNanos += ws.encodeText(prompts);
            int n = grid.volume();
            int p = config.patchSize();
            float[] velocity = new float[n * p];
            for (int step = 0; step < request.steps(); step++) {
                double t = times[step];
                stageNanos += ws.embed(latent, (float) t);
                for (int layer = 0; layer < config.blocks(); layer++) {
                    stageNanos += ws.pre(layer);
                    for (int b = 0; b < batch; b++) {
                        Branch branch = b == 0 ? Branch.COND : Branch.UNCOND;
                        AttentionKernel kernel = policy.kernelFor(layer, step, branch);
                        AttentionSession session = session(kernel, shape);
                        AttentionContext ctx = new AttentionContext(step, request.steps(), t, layer, branch, Float.NaN,
                                TokenOrder.IDENTITY);
                        long[] before = copies(session);
                        AttentionCall call = guard.forward(kernel, session, ws.q[b], ws.k[b], ws.v[b], ctx, ws.attn[b], warnings);
                        long[] after = copies(session);
                        for (int i = 0; i < attentionCopies.length; i++) attentionCopies[i] += after[i] - before[i];
                        attentionNanos += call.nanos();
                        calls.add(call);
                    }
                    stageNanos += ws.post(layer);
                }
                stageNanos += ws.head();
                float[] v = ws.velocity.toArray();
                if (batch == 2) FlowMatchEuler.guide(v, 0, v, n * p, request.guidance(), velocity);
                else System.arraycopy(v, 0, velocity, 0, velocity.length);
                FlowMatchEuler.step(latent, velocity, times[step + 1] - t);
                listener.onStep(new StepListener.StepProgress(step, request.steps(), t, System.nanoTime() - start));
            }
            transfers = new Transfers(ws.transfers.hostToDevice(), ws.transfers.deviceToHost(), attentionCopies[0],
                    attentionCopies[1], attentionCopies[2]);
        }
        Video video = Video.fromChannelsFirst(patchifier.unpatchify(latent), request.frames(), request.height(), request.width());
        Timings timings = new Timings(System.nanoTime() - start, stageNanos, attentionNanos, prepareNanos, transfers);
        return new GenerationResult(video, timings, calls, warnings, policy.toString());
    }

    /** The cached session of {@code kernel} for {@code shape}; refuses a kernel that does not support it. */
    private AttentionSession session(AttentionKernel kernel, AttentionShape shape) {
        SessionKey key = new SessionKey(kernel.spec(), shape);
        AttentionSession session = attention.get(key);
        if (session == null) {
            Support support = backend.supports(kernel, shape);
            if (!support.supported()) {
                throw new IllegalArgumentException("attention method " + kernel.spec() + " cannot run on grid " + shape.layout()
                        + ": " + support.reason());
            }
            session = backend.prepare(kernel, shape);
            attention.put(key, session);
        }
        return session;
    }

    /** Host→device bytes, device→host bytes and copy nanos of a device session so far (zeros on the host). */
    private static long[] copies(AttentionSession session) {
        if (!(session instanceof DeviceTransfers d)) return new long[3];
        return new long[] {d.hostToDeviceBytes(), d.deviceToHostBytes(), d.transferNanos()};
    }

    /** Seeded N(0, 1) values (Box–Muller on a SplittableRandom). */
    static float[] noise(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            double u1 = Math.max(random.nextDouble(), 1e-300);
            out[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return out;
    }

    /** The ORT sessions (tests check their thread settings). */
    ModelSessions sessions() {
        return sessions;
    }

    /**
     * Closes the ORT sessions and every cached attention session; waits for a running generation. Idempotent.
     *
     * @throws IllegalStateException when called from inside a generation (a step listener) on this pipeline, which
     *                               would pull the sessions from under it
     */
    @Override
    public void close() {
        if (lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("pipeline.close() called from inside a running generation (a step listener); "
                    + "close it after generate returns");
        }
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            Set<AttentionSession> all = new LinkedHashSet<>(attention.values());
            attention.clear();
            all.forEach(AttentionSession::close);
            sessions.close();
        } finally {
            lock.unlock();
        }
    }
}
