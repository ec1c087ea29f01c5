package io.tilewise.pipeline.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tilewise.attention.io.CommandLineStack;
import io.tilewise.attention.io.OrtTemporaryFiles;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ONNX Runtime sessions of one model: text encoder, embed, per block a pre and a post stage, head (see
 * {@link StageGraphs}). Built once from the weights; any batch and grid. Runs write into caller-pinned output
 * tensors, so the pipeline reuses its direct buffers across steps with no copies. Sessions run on ORT's CPU provider
 * or, when asked and available, its CUDA provider ({@link #provider()} says which and why).
 *
 * <p>Thread safety: ORT sessions may be run concurrently, but callers here are serialized by the pipeline. The
 * {@link OrtEnvironment} is ORT's process-wide singleton and is not closed; sessions and options are (idempotent).
 */
public final class ModelSessions implements AutoCloseable {

    private final ModelConfig config;
    private final OrtEnvironment env;
    private OrtSession.SessionOptions options;
    private final StageProvider provider;
    private OrtSession text;
    private OrtSession embed;
    private final List<OrtSession> pre = new ArrayList<>();
    private final List<OrtSession> post = new ArrayList<>();
    private OrtSession head;
    private final int threads;
    private boolean closed;

    /**
     * Sessions on ORT's CPU provider.
     *
     * @param threads intra-op threads of ORT (e.g. the core count)
     * @throws IllegalStateException when ORT refuses a graph (a bug in the builder; the stage is named)
     */
    public ModelSessions(ModelWeights weights, int threads) {
        this(weights, threads, StageDevice.CPU);
    }

    /**
     * Sessions on {@code device}. CUDA that ORT cannot use — a CPU-only onnxruntime jar, or CUDA/cuDNN missing,
     * found when the provider is added or when the first session is created — falls back to the CPU provider;
     * {@link #provider()} says so and why.
     */
    public ModelSessions(ModelWeights weights, int threads, StageDevice device) {
        this(weights, threads, device, StagePrecision.FP32);
    }

    /** Sessions on {@code device} whose block stages multiply by weights of {@code precision}. */
    public ModelSessions(ModelWeights weights, int threads, StageDevice device, StagePrecision precision) {
        if (threads < 1) throw new IllegalArgumentException("ORT threads " + threads + " must be >= 1");
        this.config = weights.config();
        // Created on a thread with a stack sized for the command line: ORT recurses over it (CommandLineStack).
        this.env = CommandLineStack.call("ort-environment", OrtEnvironment::getEnvironment);
        OrtTemporaryFiles.clean(); // ORT's extracted libraries: gone now, its folder at exit, stale ones too
        this.threads = threads;
        StageGraphs graphs = new StageGraphs(weights, precision);
        StageProvider chosen;
        try {
            this.options = baseOptions(threads);
            chosen = StageProvider.configure(options, device);
            try {
                createAll(graphs);
            } catch (IllegalStateException e) {
                if (chosen.used() != StageDevice.CUDA) throw e;
                // The CUDA provider was added but a session could not use it (e.g. cuDNN missing): retry on the CPU.
                closeQuietly();
                chosen = StageProvider.fallback(e.getCause() == null ? e : e.getCause());
                this.options = baseOptions(threads);
                createAll(graphs);
            }
        } catch (OrtException | RuntimeException e) {
            closeQuietly();
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
        }
        this.provider = chosen;
    }

    /**
     * The CPU session options every stage runner of the project starts from: {@code threads} intra-op threads, one
     * inter-op thread, sequential, all graph optimizations, no spinning workers, and ORT's per-node profile under the
     * {@code tilewise.ort.profile} prefix when that property is set. Callers add their own settings (arenas).
     */
    public static OrtSession.SessionOptions baseOptions(int threads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        // Our attention runs between ORT calls on the same cores: ORT's pool must not spin while it does.
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        // Developer switch: ORT's per-node profile (one JSON per session) under this path prefix.
        String profile = System.getProperty("tilewise.ort.profile");
        if (profile != null && !profile.isBlank()) options.enableProfiling(profile);
        return options;
    }

    private void createAll(StageGraphs graphs) throws OrtException {
        text = create("text encoder", graphs.textEncoder());
        embed = create("embed", graphs.embed());
        for (int i = 0; i < config.blocks(); i++) {
            pre.add(create("block " + i + " pre", graphs.blockPre(i)));
            post.add(create("block " + i + " post", graphs.blockPost(i)));
        }
        head = create("head", graphs.head());
    }

    /** The execution provider the stages run on, and why when it is not the one asked for. */
    public StageProvider provider() {
        return provider;
    }

    public ModelConfig config() { return config; }
    /** The intra-op threads every session was created with (inter-op: 1, sequential execution). */
    public int intraOpThreads() { return threads; }
    public OrtEnvironment environment() { return env; }
    public OrtSession textEncoder() { ensureOpen(); return text; }
    public OrtSession embed() { ensureOpen(); return embed; }
    public OrtSession pre(int block) { ensureOpen(); return pre.get(block); }
    public OrtSession post(int block) { ensureOpen(); return post.get(block); }
    public OrtSession head() { ensureOpen(); return head; }

    /** Runs {@code session} with every output pinned to a caller tensor; {@code what} names the stage in errors. */
    public static void run(OrtSession session, Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs, String what) {
        try (OrtSession.Result ignored = session.run(inputs, outputs)) {
            // outputs were written into the pinned tensors, which the caller owns
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed in " + what + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        closeQuietly();
    }

    private OrtSession create(String what, byte[] model) throws OrtException {
        try {
            return env.createSession(model, options);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the " + what + " graph: " + e.getMessage(), e);
        }
    }

    private void closeQuietly() {
        List<OrtSession> all = new ArrayList<>();
        all.add(text);
        all.add(embed);
        all.addAll(pre);
        all.addAll(post);
        all.add(head);
        for (OrtSession s : all) {
            if (s == null) continue;
            try {
                s.close();
            } catch (OrtException ignored) {
                // closing releases native memory; nothing useful to do on failure
            }
        }
        text = null;
        embed = null;
        head = null;
        pre.clear();
        post.clear();
        if (options != null) options.close();
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("model sessions are closed");
    }
}
