package io.tilewise.wan.transformer;

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
import io.tilewise.attention.backend.BackendSelector;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.pipeline.run.AttentionCall;
import io.tilewise.pipeline.run.AttentionGuard;
import io.tilewise.pipeline.run.AttentionPolicy;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.wan.weights.DiffusersFolder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The Wan2.1 text-to-video transformer ({@code WanTransformer3DModel}) loaded from a diffusers folder, with every
 * self-attention run by the project's attention kernels under an {@link AttentionPolicy}.
 *
 * <p>Loading: the config and every tensor are checked first ({@link WanConfig}, {@link WanCheckpoint}); then the
 * stage sessions are built one stage at a time from the memory-mapped weights and the checkpoint is closed. A forward:
 * patch and condition stages, then per block the pre stage (ORT) → q, k, v → our attention per batch item → the post
 * stage (ORT), then the head. Batch items are separate attention calls on zero-copy views, each with its own
 * {@link Branch} ({@code cond} for item 0, {@code uncond} for item 1, as a CFG pair is batched; further items count
 * as {@code cond}). The attention context's timestep is {@code T / 1000} (flow time, as the pipeline's).
 *
 * <p>Every self-attention call goes through the generation loop's {@link AttentionGuard}: NaN or infinity in q, k or v
 * stops the forward, and in the output too, naming layer and branch (batch item 0 is {@code cond}, 1 {@code uncond}),
 * unless the policy option {@code nonfinite=dense} recomputes that call with dense attention (a warning).
 *
 * <p>Thread safety: one forward at a time (a fair lock); attention sessions are prepared once per (method spec,
 * shape) and kept until {@link #close()}.
 */
public final class WanTransformer implements AutoCloseable {

    private record SessionKey(String spec, AttentionShape shape) {
    }

    private final WanConfig config;
    private final WanCheckpoint.Layout layout;
    private final WanSessions sessions;
    private final Pipeline.Options options;
    private final BackendChoice backend;
    private final Map<SessionKey, AttentionSession> attention = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock(true);
    private boolean closed;

    private WanTransformer(WanCheckpoint weights, Pipeline.Options options) {
        this.config = weights.config();
        this.layout = weights.layout();
        this.options = options;
        this.backend = BackendSelector.select(options.backend());
        this.sessions = new WanSessions(weights, options.ortThreads(), options.precision());
    }

    /** Opens a diffusers pipeline folder ({@code model_index.json} + {@code transformer/}) or a transformer folder. */
    public static WanTransformer open(Path dir) {
        return open(dir, Pipeline.Options.defaults());
    }

    /**
     * @param options ORT threads (also our kernels' threads), the kernel factory and the attention backend; the stage
     *                device is always the CPU here
     * @throws io.tilewise.pipeline.model.ModelFormatException for a folder, config or checkpoint that is not a
     *                                                          supported Wan2.1 transformer (one line naming what)
     */
    public static WanTransformer open(Path dir, Pipeline.Options options) {
        Path folder = DiffusersFolder.component(dir, "transformer", WanConfig.CLASS_NAME);
        WanConfig config = WanConfig.read(folder.resolve("config.json"));
        try (WanCheckpoint weights = WanCheckpoint.of(DiffusersFolder.weights(folder), config)) {
            return new WanTransformer(weights, options);
        }
    }

    public WanConfig config() {
        return config;
    }

    /** The config of the transformer in {@code dir} (pipeline or transformer folder), read and validated alone. */
    public static WanConfig readConfig(Path dir) {
        return WanConfig.read(DiffusersFolder.component(dir, "transformer", WanConfig.CLASS_NAME).resolve("config.json"));
    }

    /** How the checkpoint's tensor names were written. */
    public WanCheckpoint.Layout layout() {
        return layout;
    }

    public BackendChoice backend() {
        return backend;
    }

    /** Parses a policy string with this transformer's kernel factory. */
    public AttentionPolicy policy(String text) {
        return AttentionPolicy.parse(text, options.kernels());
    }

    /** One forward as step 0 of 1. */
    public WanForward forward(float[] latents, int[] shape, float timestep, float[] text, int textTokens,
                              AttentionPolicy policy) {
        return forward(latents, shape, timestep, text, textTokens, policy, 0, 1);
    }

    /**
     * One transformer forward.
     *
     * @param latents    {@code [B, C_in, F, H, W]} row-major
     * @param shape      {@code {B, C_in, F, H, W}}
     * @param timestep   the diffusion timestep (0–1000) of every batch item, as diffusers takes it
     * @param text       text states {@code [B, textTokens, text_dim]}
     * @param step       the denoising step this forward belongs to, for the policy's step conditions and caches
     * @param steps      the number of steps of the run
     * @throws IllegalArgumentException for shapes the model cannot take, a timestep outside 0–1000, or a method that
     *                                  cannot run on the grid (one line naming the value)
     */
    public WanForward forward(float[] latents, int[] shape, float timestep, float[] text, int textTokens,
                              AttentionPolicy policy, int step, int steps) {
        WanPatches patches = checkInputs(config, shape, timestep, new int[] {shape.length > 0 ? shape[0] : 0, textTokens,
                config.textDim()});
        long count = 1;
        for (int s : shape) count *= s;
        if (count != latents.length) throw new IllegalArgumentException("latents hold " + latents.length + " values, shape needs " + count);
        if ((long) shape[0] * textTokens * config.textDim() != text.length) {
            throw new IllegalArgumentException("text states hold " + text.length + " values; [" + shape[0] + ", " + textTokens
                    + ", " + config.textDim() + "] needs " + (long) shape[0] * textTokens * config.textDim());
        }
        if (steps < 1 || step < 0 || step >= steps) throw new IllegalArgumentException("step " + step + " must be in 0.." + (steps - 1));
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("the Wan transformer is closed");
            return Parallel.withThreads(options.ortThreads(),
                    () -> run(latents, shape, timestep, text, textTokens, policy, step, steps, patches));
        } finally {
            lock.unlock();
        }
    }

    /** Clears the state of stateful attention sessions (residual reuse caches) before a new denoising run. */
    public void resetAttentionState() {
        lock.lock();
        try {
            for (AttentionSession s : attention.values()) if (s instanceof StatefulSession st) st.resetState();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Checks a forward's inputs against {@code config} without loading anything (so a command can refuse bad files
     * before it spends minutes building sessions).
     *
     * @param latentShape {@code {B, C, F, H, W}}
     * @param textShape   {@code {B, L, text_dim}}
     * @return the patching of the latents
     * @throws IllegalArgumentException one line naming the input, its value and what is allowed
     */
    public static WanPatches checkInputs(WanConfig config, int[] latentShape, float timestep, int[] textShape) {
        int[] shape = latentShape;
        if (shape.length != 5) {
            throw new IllegalArgumentException("latents have shape " + java.util.Arrays.toString(shape)
                    + "; expected 5 dims [B, C, F, H, W]");
        }
        for (int s : shape) {
            if (s < 1) throw new IllegalArgumentException("latents shape " + java.util.Arrays.toString(shape) + " has an empty axis");
        }
        if (shape[1] != config.inChannels()) {
            throw new IllegalArgumentException("latents have " + shape[1] + " channels (shape " + java.util.Arrays.toString(shape)
                    + "); the model takes " + config.inChannels());
        }
        WanPatches patches = new WanPatches(config.patch(), shape[2], shape[3], shape[4]);
        TokenGrid grid = patches.grid();
        int max = config.ropeMaxSeqLen();
        if (grid.frames() > max || grid.height() > max || grid.width() > max) {
            throw new IllegalArgumentException("token grid " + grid.frames() + "x" + grid.height() + "x" + grid.width()
                    + " has an axis longer than rope_max_seq_len " + max);
        }
        if (!(timestep >= 0 && timestep <= 1000)) {
            throw new IllegalArgumentException("timestep " + timestep + " must be a number in 0..1000");
        }
        if (textShape.length != 3 || textShape[0] != shape[0] || textShape[1] < 1 || textShape[2] != config.textDim()) {
            throw new IllegalArgumentException("text states have shape " + java.util.Arrays.toString(textShape) + "; expected ["
                    + shape[0] + ", L >= 1, " + config.textDim() + "] (batch of the latents, text_dim of the model)");
        }
        return patches;
    }

    private WanForward run(float[] latents, int[] shape, float timestep, float[] text, int textTokens,
                           AttentionPolicy policy, int step, int steps, WanPatches patches) {
        int batch = shape[0];
        TokenGrid grid = patches.grid();
        int n = grid.volume();
        AttentionShape attentionShape = new AttentionShape(1, config.heads(), config.headDim(), TokenLayout.video(grid));
        long prepareStart = System.nanoTime();
        for (AttentionPolicy.Rule rule : policy.rules()) session(rule.kernel(), attentionShape);
        long prepareNanos = System.nanoTime() - prepareStart;

        float[] patchValues = new float[batch * n * config.patchIn()];
        int latentSize = shape[1] * shape[2] * shape[3] * shape[4];
        for (int b = 0; b < batch; b++) {
            patches.patchify(latents, b * latentSize, config.inChannels(), patchValues, b * n * config.patchIn());
        }
        float[] sinusoid = WanTimestep.sinusoid(timestep, config.freqDim());
        float[] sinusoids = new float[batch * config.freqDim()];
        for (int b = 0; b < batch; b++) System.arraycopy(sinusoid, 0, sinusoids, b * sinusoid.length, sinusoid.length);

        long stageNanos = 0;
        long attentionNanos = 0;
        List<AttentionCall> calls = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        AttentionGuard guard = new AttentionGuard(policy.nonFinite());
        float[] velocity = new float[batch * config.outChannels() * shape[2] * shape[3] * shape[4]];
        try (WanWorkspace ws = new WanWorkspace(sessions, config, grid, batch, textTokens)) {
            stageNanos += ws.patch(patchValues);
            stageNanos += ws.condition(sinusoids, text);
            for (int layer = 0; layer < config.layers(); layer++) {
                stageNanos += ws.pre(layer);
                for (int b = 0; b < batch; b++) {
                    Branch branch = b == 1 ? Branch.UNCOND : Branch.COND;
                    AttentionKernel kernel = policy.kernelFor(layer, step, branch);
                    AttentionSession session = session(kernel, attentionShape);
                    AttentionContext ctx = new AttentionContext(step, steps, timestep / 1000.0, layer, branch, Float.NaN,
                            TokenOrder.IDENTITY);
                    AttentionCall call = guard.forward(kernel, AttentionGuard.of(session),
                            () -> AttentionGuard.of(session(options.kernels().apply(MethodSpec.parse("dense")), attentionShape)),
                            ws.q[b], ws.k[b], ws.v[b], ctx, ws.attn[b], warnings::add);
                    attentionNanos += call.nanos();
                    calls.add(call);
                }
                stageNanos += ws.post(layer);
            }
            stageNanos += ws.head();
            float[] out = ws.out.toArray();
            int outSize = config.outChannels() * shape[2] * shape[3] * shape[4];
            for (int b = 0; b < batch; b++) {
                patches.unpatchify(out, b * n * config.patchOut(), config.outChannels(), velocity, b * outSize);
            }
        }
        int[] outShape = {batch, config.outChannels(), shape[2], shape[3], shape[4]};
        return new WanForward(velocity, outShape, stageNanos, attentionNanos, prepareNanos, calls, warnings);
    }

    /** The cached session of {@code kernel} for {@code shape}; refuses a kernel that does not support it. */
    private AttentionSession session(AttentionKernel kernel, AttentionShape shape) {
        SessionKey key = new SessionKey(kernel.spec(), shape);
        AttentionSession session = attention.get(key);
        if (session == null) {
            Support support = backend.supports(kernel, shape);
            if (!support.supported()) {
                throw new IllegalArgumentException("attention method " + kernel.spec() + " cannot run on grid "
                        + shape.layout() + ": " + support.reason());
            }
            session = backend.prepare(kernel, shape);
            attention.put(key, session);
        }
        return session;
    }

    /** Closes the ORT sessions and every cached attention session; idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            new LinkedHashSet<>(attention.values()).forEach(AttentionSession::close);
            attention.clear();
            sessions.close();
        } finally {
            lock.unlock();
        }
    }
}
