package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
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
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.ModelFolders;
import io.tilewise.pipeline.family.StageOptions;
import io.tilewise.pipeline.family.tiny.TinyDitModel;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.onnx.StageDevice;
import io.tilewise.pipeline.onnx.StagePrecision;
import io.tilewise.pipeline.onnx.StageProvider;
import io.tilewise.pipeline.stepcache.MagCachePlan;
import io.tilewise.pipeline.stepcache.StepCachePolicy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Text-to-video generation with a pluggable self-attention, for a model of any
 * {@link io.tilewise.pipeline.family.ModelFamily}: loads a model once, then runs {@link GenerationRequest}s through
 * the one denoising loop ({@link StepLoop}).
 *
 * <p>Per step: the model's input stage, then per block its pre-attention stage → q, k, v → our attention per CFG
 * branch, as the {@link AttentionPolicy} chooses → its post-attention stage, then its output stage; the conditional
 * and unconditional branches run together as batch 2 in every stage (batch 1 when guidance is 1), and attention is
 * called once per branch on zero-copy views of the stage buffers, so each call carries its own
 * {@link io.tilewise.attention.api.Branch}. The context's {@code timestep} is the sampler's model time of the step;
 * the token layout is the video grid alone (text enters through cross-attention).
 *
 * <p>Block-causal models ({@code causalChunkFrames > 0}): {@link #generate} denoises all chunks together under the
 * chunk-causal mask (each method restricted to it, see {@link BlockCausalKernel}); {@link #generateStreaming} denoises
 * them one after another with a key/value cache and hands out each chunk as soon as it is done. Both modes share the
 * loop, the attention backend, the thread count, the memory limit and the NaN/Inf guard.
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
     * @param precision   of the stages' weight products where the model family offers a choice (default fp32: exact)
     */
    public record Options(int ortThreads, Function<MethodSpec, AttentionKernel> kernels, Backend backend, StageDevice device,
                          MemoryLimit memoryLimit, StagePrecision precision) {
        public Options {
            if (ortThreads < 1) throw new IllegalArgumentException("ORT threads " + ortThreads + " must be >= 1");
            if (kernels == null) kernels = AttentionMethods::create;
            if (backend == null) backend = Backend.AUTO;
            if (device == null) device = StageDevice.CPU;
            if (precision == null) precision = StagePrecision.FP32;
        }

        public Options(int ortThreads, Function<MethodSpec, AttentionKernel> kernels, Backend backend, StageDevice device,
                       MemoryLimit memoryLimit) {
            this(ortThreads, kernels, backend, device, memoryLimit, StagePrecision.FP32);
        }

        public Options(int ortThreads, Function<MethodSpec, AttentionKernel> kernels) {
            this(ortThreads, kernels, Backend.AUTO, StageDevice.CPU, null);
        }

        public static Options defaults() {
            return new Options(Runtime.getRuntime().availableProcessors(), AttentionMethods::create);
        }

        public Options withKernels(Function<MethodSpec, AttentionKernel> newKernels) {
            return new Options(ortThreads, newKernels, backend, device, memoryLimit, precision);
        }

        public Options withBackend(Backend newBackend) {
            return new Options(ortThreads, kernels, newBackend, device, memoryLimit, precision);
        }

        public Options withDevice(StageDevice newDevice) {
            return new Options(ortThreads, kernels, backend, newDevice, memoryLimit, precision);
        }

        public Options withMemoryLimit(MemoryLimit limit) {
            return new Options(ortThreads, kernels, backend, device, limit, precision);
        }

        public Options withPrecision(StagePrecision newPrecision) {
            return new Options(ortThreads, kernels, backend, device, memoryLimit, newPrecision);
        }

        /** The limit in force: the configured one, else the default. */
        public MemoryLimit effectiveMemoryLimit() {
            return memoryLimit != null ? memoryLimit : MemoryLimit.defaults();
        }
    }

    private record SessionKey(String spec, AttentionShape shape) {
    }

    private final DenoiserModel model;
    private final Options options;
    private final BackendChoice backend;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Map<SessionKey, AttentionSession> attention = new HashMap<>();
    private boolean closed;

    private Pipeline(DenoiserModel model, Options options) {
        this(model, options, BackendSelector.select(options.backend()));
    }

    /** A pipeline whose attention runs on {@code backend} (tests pass a backend of their own). */
    Pipeline(DenoiserModel model, Options options, BackendChoice backend) {
        VectorApi.require();
        this.model = model;
        this.options = options;
        this.backend = backend;
    }

    /**
     * Loads and validates a model folder of any {@link io.tilewise.pipeline.family.ModelFamily} found on the class
     * path (the bundled tiny DiT: {@code config.json} + {@code weights.safetensors}).
     */
    public static Pipeline open(Path modelDir) {
        return open(modelDir, Options.defaults());
    }

    public static Pipeline open(Path modelDir, Options options) {
        VectorApi.require();   // before any kernel, backend or model class loads
        return new Pipeline(ModelFolders.open(modelDir, stageOptions(options)), options);
    }

    /** A pipeline over tiny-DiT weights already in memory. */
    public static Pipeline of(ModelWeights weights, Options options) {
        VectorApi.require();
        return new Pipeline(new TinyDitModel(weights, stageOptions(options)), options);
    }

    /** A pipeline over a model some family has loaded; the pipeline closes it. */
    public static Pipeline of(DenoiserModel model, Options options) {
        return new Pipeline(model, options);
    }

    private static StageOptions stageOptions(Options options) {
        return new StageOptions(options.ortThreads(), options.device(), options.precision());
    }

    /** The loaded model, as every family shows it. */
    public DenoiserModel model() {
        return model;
    }

    /** Names, attention geometry and defaults of the loaded model. */
    public ModelCard card() {
        return model.card();
    }

    /**
     * The tiny-DiT config of the loaded model.
     *
     * @throws IllegalStateException for a model of another family (use {@link #card()})
     */
    public ModelConfig config() {
        if (model instanceof TinyDitModel tiny) return tiny.config();
        throw new IllegalStateException("model " + model.card().modelId() + " is a " + model.card().family()
                + " model, not a tiny-dit one; use card()");
    }

    /** Where attention runs and why (e.g. the CPU because TornadoVM is not installed). */
    public BackendChoice backend() {
        return backend;
    }

    /** Where the ORT stages run and why (e.g. the CPU because the onnxruntime jar has no CUDA provider). */
    public StageProvider stageProvider() {
        return model.stageProvider();
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
        StepCache stepCache = StepCache.of(request);
        LatentLayout layout = model.layout(request.frames(), request.height(), request.width());
        // bad noise or scheduler names are refused before anything runs
        if (request.noise() != null) layout.initial(request.noise());
        model.sampler(request.steps(), request.shift(), request.scheduler());
        options.effectiveMemoryLimit().check(GenerationMemory.estimate(model, layout, request, policy, layout.grid().frames(), 0));
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("pipeline is closed");
            return Parallel.withThreads(options.ortThreads(), () -> run(request, policy, stepCache, layout, listener));
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
        StepCache stepCache = StepCache.of(request);
        StreamOptions streamOptions = stream == null ? StreamOptions.defaults() : stream;
        StreamingGeneration streaming = new StreamingGeneration(model, backend, options.kernels());
        LatentLayout layout = model.layout(request.frames(), request.height(), request.width());
        options.effectiveMemoryLimit().check(streaming.memory(request, policy, layout, streamOptions));
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("pipeline is closed");
            return Parallel.withThreads(options.ortThreads(), () -> {
                try (streaming) {
                    return streaming.run(request, policy, stepCache, layout, streamOptions, chunks == null ? StreamListener.NONE : chunks,
                            listener);
                }
            });
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
        int chunk = model.card().causalChunkFrames();
        if (chunk <= 0) return options.kernels();
        return spec -> BlockCausalKernel.of(options.kernels().apply(spec), chunk);
    }

    /** A request's step cache, parsed, with its magcache plan read and checked against the step count. */
    record StepCache(StepCachePolicy policy, MagCachePlan plan) {

        /**
         * @throws io.tilewise.attention.spec.SpecException for a spec that does not parse
         * @throws IllegalArgumentException for a magcache plan that cannot be read or has another step count
         */
        static StepCache of(GenerationRequest request) {
            StepCachePolicy policy = StepCachePolicy.parse(request.stepCache());
            if (policy.kind() != StepCachePolicy.Kind.MAGCACHE) return new StepCache(policy, null);
            MagCachePlan plan = MagCachePlan.read(policy.plan());
            plan.ratios(0, request.steps());
            return new StepCache(policy, plan);
        }
    }

    private GenerationResult run(GenerationRequest request, AttentionPolicy policy, StepCache stepCache, LatentLayout layout,
                                 StepListener listener) {
        long start = System.nanoTime();
        TokenGrid grid = layout.grid();
        int batch = request.usesGuidance() ? 2 : 1;
        ModelCard card = model.card();
        AttentionShape shape = new AttentionShape(1, card.heads(), card.headDim(), TokenLayout.video(grid));
        long prepareStart = System.nanoTime();
        for (AttentionPolicy.Rule rule : policy.rules()) session(rule.kernel(), shape);
        long prepareNanos = System.nanoTime() - prepareStart;
        // caches (FlashBlock, residual reuse) never carry state from one generation into the next
        for (AttentionSession s : attention.values()) if (s instanceof StatefulSession st) st.resetState();

        StepLoop loop = new StepLoop(request, policy, stepCache.policy(), stepCache.plan(), card.blocks(), listener, start);
        model.promptWarnings(request.prompt()).forEach(loop::warn);
        layout.warnings().forEach(loop::warn);
        float[] latent = request.noise() != null ? layout.initial(request.noise()) : layout.noise(request.seed());
        long[] copies = new long[3];
        StepLoop.AttentionSite site = new StepLoop.AttentionSite() {
            @Override
            public AttentionGuard.Invocation call(AttentionKernel kernel, int layer, int branch) {
                return counted(session(kernel, shape), copies);
            }

            @Override
            public AttentionGuard.Invocation dense(int layer, int branch) {
                return counted(session(options.kernels().apply(MethodSpec.parse("dense")), shape), copies);
            }
        };
        long stageH2D;
        long stageD2H;
        Video video;
        model.phaseListener(listener == null ? StepListener.NONE : listener);
        try {
            try (DenoiserStages stages = model.stages(grid, batch)) {
                loop.stageTime(stages.encodeText(prompts(request, batch)));
                loop.denoise(stages, model.sampler(request.steps(), request.shift(), request.scheduler()), latent, site, 0,
                        request.steps());
                stageH2D = stages.hostToDeviceBytes();
                stageD2H = stages.deviceToHostBytes();
            }
            video = layout.video(latent, 0, grid.frames());
        } finally {
            model.phaseListener(StepListener.NONE);
        }
        return loop.result(video, () -> new Transfers(stageH2D, stageD2H, copies[0], copies[1], copies[2]), prepareNanos);
    }

    /** The conditional prompt, and the unconditional one (the negative prompt, "" by default) with guidance. */
    static List<String> prompts(GenerationRequest request, int batch) {
        return batch == 2 ? List.of(request.prompt(), request.negativePrompt()) : List.of(request.prompt());
    }

    /** {@code session} as a call that adds its device copies to {@code copies}. */
    private static AttentionGuard.Invocation counted(AttentionSession session, long[] copies) {
        AttentionGuard.Invocation plain = AttentionGuard.of(session);
        if (!(session instanceof DeviceTransfers)) return plain;
        return new AttentionGuard.Invocation() {
            @Override
            public void forward(Tensor q, Tensor k, Tensor v, io.tilewise.attention.api.AttentionContext ctx, Tensor out) {
                long[] before = copies(session);
                plain.forward(q, k, v, ctx, out);
                long[] after = copies(session);
                for (int i = 0; i < copies.length; i++) copies[i] += after[i] - before[i];
            }

            @Override
            public double executedDensity() {
                return plain.executedDensity();
            }
        };
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
            model.close();
        } finally {
            lock.unlock();
        }
    }
}
