package io.tilewise.wan.transformer;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.NativeHeap;
import io.tilewise.pipeline.onnx.StagePrecision;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The ONNX Runtime sessions of one Wan transformer (see {@link WanStageGraphs}) on ORT's CPU provider. Each graph is
 * built from the memory-mapped weights, handed to ORT and dropped before the next one is built, so the heap holds at
 * most one stage's fp32 weights on top of what ORT keeps: never two full fp32 copies of the model.
 *
 * <p>Thread safety: ORT sessions may be run concurrently; the transformer serializes its forwards. The
 * {@link OrtEnvironment} is ORT's process-wide singleton and is not closed.
 */
final class WanSessions implements AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession.SessionOptions options;
    private final List<OrtSession> all = new ArrayList<>();
    private final OrtSession patch;
    private final OrtSession condition;
    private final OrtSession text;
    private final List<OrtSession> blockText = new ArrayList<>();
    private final List<OrtSession> pre = new ArrayList<>();
    private final List<OrtSession> post = new ArrayList<>();
    private final OrtSession head;
    private final int threads;

    WanSessions(WanCheckpoint weights, int threads, StagePrecision precision) {
        if (threads < 1) throw new IllegalArgumentException("ORT threads " + threads + " must be >= 1");
        this.threads = threads;
        WanStageGraphs graphs = new WanStageGraphs(weights, WanStageGraphs.TOKEN_CHUNKS, precision);
        try {
            // no spinning workers there: our attention runs between ORT calls on the same cores
            options = ModelSessions.baseOptions(threads);
            // 60+ sessions: an arena each would keep its largest activations (hundreds of MB at 480p) after every run;
            // without arenas the buffers go back to the system when a stage ends
            options.setCPUArenaAllocator(false);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot configure ONNX Runtime: " + e.getMessage(), e);
        }
        try {
            patch = create("patch", graphs::patch);
            condition = create("condition", graphs::condition);
            text = create("text", graphs::text);
            for (int i = 0; i < weights.config().layers(); i++) {
                int layer = i;
                blockText.add(create("block " + i + " text", () -> graphs.blockText(layer)));
                pre.add(create("block " + i + " pre", () -> graphs.blockPre(layer)));
                post.add(create("block " + i + " post", () -> graphs.blockPost(layer)));
            }
            head = create("head", graphs::head);
            NativeHeap.releaseAfterBuild();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    OrtEnvironment environment() { return env; }
    int threads() { return threads; }
    OrtSession patch() { return patch; }
    OrtSession condition() { return condition; }
    OrtSession text() { return text; }
    OrtSession blockText(int layer) { return blockText.get(layer); }
    OrtSession pre(int layer) { return pre.get(layer); }
    OrtSession post(int layer) { return post.get(layer); }
    OrtSession head() { return head; }

    private OrtSession create(String what, Supplier<byte[]> graph) {
        try {
            OrtSession s = env.createSession(graph.get(), options);
            all.add(s);
            // ORT frees the graph's weight copies once they are pre-packed; give those pages back before the next stage.
            // Every few stages let G1 shrink the heap too: the graphs' weight arrays grow it to its maximum otherwise.
            if (all.size() % 10 == 0) NativeHeap.releaseAfterBuild();
            else NativeHeap.trim();
            return s;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the Wan " + what + " graph: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (OrtSession s : all) {
            try {
                s.close();
            } catch (OrtException ignored) {
                // closing releases native memory; nothing useful to do on failure
            }
        }
        all.clear();
        if (options != null) options.close();
    }
}
