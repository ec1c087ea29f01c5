package io.tilewise.wan.transformer;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.onnx.NativeHeap;
import io.tilewise.pipeline.onnx.StagePrecision;
import io.tilewise.wan.weights.DiffusersFolder;

import java.nio.file.Path;

/**
 * The ORT stages of a Wan2.1 transformer for a caller that runs self-attention itself (the model family's step loop,
 * where {@link WanTransformer} would run it here): the same sessions and workspace, opened from a pipeline folder.
 * The sessions hold the model's fp32 weights (5.7 GB at 1.3B); {@link #release()} drops them while another phase needs
 * the memory (the VAE decode) and the next {@link #workspace} builds them again from the checked files.
 * Thread safety: one workspace in use at a time.
 */
public final class WanStageRunner implements AutoCloseable {

    private final Path folder;
    private final int threads;
    private final StagePrecision precision;
    private final WanConfig config;
    private WanSessions sessions;   // null while released
    private int openWorkspaces;

    private WanStageRunner(Path folder, WanConfig config, int threads, StagePrecision precision) {
        this.folder = folder;
        this.threads = threads;
        this.precision = precision;
        this.config = config;
        this.sessions = build();
    }

    /** Checks every tensor of the folder's checkpoint, then builds the stage sessions from it. */
    private WanSessions build() {
        try (WanCheckpoint weights = WanCheckpoint.of(DiffusersFolder.weights(folder), config)) {
            return new WanSessions(weights, threads, precision);
        }
    }

    /**
     * Checks every tensor, then builds the stage sessions.
     *
     * @throws io.tilewise.pipeline.model.ModelFormatException naming what is wrong with the transformer
     */
    public static WanStageRunner open(Path dir, int threads) {
        return open(dir, threads, StagePrecision.FP32);
    }

    /** The same with the blocks' weight products at {@code precision}. */
    public static WanStageRunner open(Path dir, int threads, StagePrecision precision) {
        Path folder = DiffusersFolder.component(dir, "transformer", WanConfig.CLASS_NAME);
        WanConfig config = WanConfig.read(folder.resolve("config.json"));
        return new WanStageRunner(folder, config, threads, precision);
    }

    /** Whether the stage sessions are built (false after {@link #release()} until the next workspace). */
    public synchronized boolean loaded() {
        return sessions != null;
    }

    /**
     * Frees the stage sessions and with them the model's weights, unless a workspace is open.
     *
     * @return whether they were freed
     */
    public synchronized boolean release() {
        if (sessions == null || openWorkspaces > 0) return false;
        sessions.close();
        sessions = null;
        // glibc keeps freed arenas mapped; without this the next phase's peak sits on top of the dropped weights
        NativeHeap.trim();
        return true;
    }

    public WanConfig config() {
        return config;
    }

    /** Stage buffers for {@code batch} items of a latent grid and {@code textTokens} text states. */
    public synchronized Workspace workspace(TokenGrid grid, int batch, int textTokens) {
        if (sessions == null) sessions = build();
        Workspace w = new Workspace(this, new WanWorkspace(sessions, config, grid, batch, textTokens));
        openWorkspaces++;
        return w;
    }

    private synchronized void workspaceClosed() {
        openWorkspaces--;
    }

    @Override
    public synchronized void close() {
        if (sessions != null) sessions.close();
        sessions = null;
    }

    /**
     * One segment's stage buffers: patch and condition stages, per block pre (→ {@link #q}, {@link #k}, {@link #v}
     * views per batch item) and post (reads {@link #attn}), and the head. Each stage returns its nanoseconds.
     */
    public static final class Workspace implements AutoCloseable {

        private final WanStageRunner runner;
        private final WanWorkspace ws;
        private boolean closed;

        private Workspace(WanStageRunner runner, WanWorkspace ws) {
            this.runner = runner;
            this.ws = ws;
        }

        /** {@code patchValues [B, N, C·pt·ph·pw]} (see {@link WanPatches#patchify}). */
        public long patch(float[] patchValues) {
            return ws.patch(patchValues);
        }

        /** {@code sinusoids [B, freq_dim]} ({@link WanTimestep}) and text states {@code [B, L, text_dim]}. */
        public long condition(float[] sinusoids, float[] text) {
            return ws.condition(sinusoids, text);
        }

        /** Runs the following block and head stages on the first {@code count} batch items only. */
        public void items(int count) {
            ws.items(count);
        }

        public long pre(int layer) {
            return ws.pre(layer);
        }

        public long post(int layer) {
            return ws.post(layer);
        }

        public long head() {
            return ws.head();
        }

        public int hiddenValues() {
            return ws.hiddenValues();
        }

        public void readHidden(int item, float[] into) {
            ws.readHidden(item, into);
        }

        public void writeHidden(int item, float[] from) {
            ws.writeHidden(item, from);
        }

        public Tensor q(int item) {
            return ws.q[item];
        }

        public Tensor k(int item) {
            return ws.k[item];
        }

        public Tensor v(int item) {
            return ws.v[item];
        }

        public Tensor attn(int item) {
            return ws.attn[item];
        }

        /** The head's output {@code [B, N, pt·ph·pw·C_out]} (see {@link WanPatches#unpatchify}). */
        public float[] out() {
            return ws.out.toArray();
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            ws.close();
            runner.workspaceClosed();
        }
    }
}
