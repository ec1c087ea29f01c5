package io.tilewise.wan.transformer;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.onnx.BatchItems;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.OrtBuffers;
import io.tilewise.pipeline.onnx.RopeTables;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tilewise.wan.transformer.WanStageGraphs.ATTN;
import static io.tilewise.wan.transformer.WanStageGraphs.CK;
import static io.tilewise.wan.transformer.WanStageGraphs.CTX;
import static io.tilewise.wan.transformer.WanStageGraphs.CV;
import static io.tilewise.wan.transformer.WanStageGraphs.E;
import static io.tilewise.wan.transformer.WanStageGraphs.K;
import static io.tilewise.wan.transformer.WanStageGraphs.OUT;
import static io.tilewise.wan.transformer.WanStageGraphs.PATCHES;
import static io.tilewise.wan.transformer.WanStageGraphs.Q;
import static io.tilewise.wan.transformer.WanStageGraphs.ROPE_COS;
import static io.tilewise.wan.transformer.WanStageGraphs.ROPE_SIN;
import static io.tilewise.wan.transformer.WanStageGraphs.TEMB;
import static io.tilewise.wan.transformer.WanStageGraphs.TEXT;
import static io.tilewise.wan.transformer.WanStageGraphs.T_FREQ;
import static io.tilewise.wan.transformer.WanStageGraphs.V;
import static io.tilewise.wan.transformer.WanStageGraphs.X;
import static io.tilewise.wan.transformer.WanStageGraphs.X_OUT;

/**
 * The ORT tensors of one forward, each over a direct buffer: stage outputs are pinned, so the pre stage writes q, k,
 * v {@code [B, heads, N, hd]} where our attention reads them through per-batch-item {@link Tensor#wrap} views
 * {@code [1, heads, N, hd]} (no copy), and attention writes where the post stage reads. The residual stream
 * ping-pongs between two buffers. The text graph's per-block keys and values stay from one forward to the next while
 * the text states are the same (every step of a generation). Each stage method returns the nanoseconds ORT took.
 *
 * <p>Block and head stages can run the first item alone ({@link #items}, tensors over the same buffers): a step whose
 * unconditional branch is reused costs one item's stages, not two.
 */
final class WanWorkspace implements AutoCloseable {

    private final WanSessions sessions;
    private final int tokens;
    private final int dim;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final OrtBuffers.Floats patches, tFreq, text, ctx, xA, xB, temb, e, cos, sin, qBuf, kBuf, vBuf, attnBuf;
    private final OrtBuffers.Floats[] ck, cv;
    /** Whether {@link #ck} and {@link #cv} were computed from the text states in {@link #text}. */
    private boolean textReady;
    final OrtBuffers.Floats out;
    final Tensor[] q, k, v, attn;
    private OrtBuffers.Floats x;
    private OrtBuffers.Floats xNext;
    private final BatchItems items;

    WanWorkspace(WanSessions sessions, WanConfig c, TokenGrid grid, int batch, int textTokens) {
        this.sessions = sessions;
        this.tokens = grid.volume();
        this.dim = c.dim();
        OrtEnvironment env = sessions.environment();
        this.items = own(new BatchItems(env, batch));
        int d = c.dim();
        int heads = c.heads();
        int hd = c.headDim();
        RopeTables rope = WanRope.tables(c, grid);
        patches = own(OrtBuffers.floats(env, batch, tokens, c.patchIn()));
        tFreq = own(OrtBuffers.floats(env, batch, c.freqDim()));
        text = own(OrtBuffers.floats(env, batch, textTokens, c.textDim()));
        xA = own(OrtBuffers.floats(env, batch, tokens, d));
        xB = own(OrtBuffers.floats(env, batch, tokens, d));
        temb = own(OrtBuffers.floats(env, batch, d));
        e = own(OrtBuffers.floats(env, batch, 6, d));
        ctx = own(OrtBuffers.floats(env, batch, textTokens, d));
        ck = new OrtBuffers.Floats[c.layers()];
        cv = new OrtBuffers.Floats[c.layers()];
        for (int i = 0; i < c.layers(); i++) {
            ck[i] = own(OrtBuffers.floats(env, batch, textTokens, d));
            cv[i] = own(OrtBuffers.floats(env, batch, textTokens, d));
        }
        cos = own(OrtBuffers.floats(env, rope.cos(), tokens, rope.pairs()));
        sin = own(OrtBuffers.floats(env, rope.sin(), tokens, rope.pairs()));
        qBuf = own(OrtBuffers.floats(env, batch, heads, tokens, hd));
        kBuf = own(OrtBuffers.floats(env, batch, heads, tokens, hd));
        vBuf = own(OrtBuffers.floats(env, batch, heads, tokens, hd));
        attnBuf = own(OrtBuffers.floats(env, batch, heads, tokens, hd));
        out = own(OrtBuffers.floats(env, batch, tokens, c.patchOut()));
        q = views(qBuf, batch, heads, hd);
        k = views(kBuf, batch, heads, hd);
        v = views(vBuf, batch, heads, hd);
        attn = views(attnBuf, batch, heads, hd);
        x = xA;
        xNext = xB;
    }

    /** Runs the following block and head stages on the first {@code count} batch items only (see the class comment). */
    void items(int count) {
        items.limit(count);
    }

    long patch(float[] patchValues) {
        patches.put(patchValues);
        return timed(() -> run(sessions.patch(), Map.of(PATCHES, patches.tensor()), Map.of(X, x.tensor()), "the patch stage"));
    }

    long condition(float[] sinusoids, float[] textStates) {
        tFreq.put(sinusoids);
        long nanos = timed(() -> run(sessions.condition(), Map.of(T_FREQ, tFreq.tensor()),
                Map.of(TEMB, temb.tensor(), E, e.tensor()), "the condition stage"));
        if (textReady && text.holds(textStates)) return nanos;
        textReady = false;   // a failure below leaves keys and values of no text
        text.put(textStates);
        nanos += timed(() -> run(sessions.text(), Map.of(TEXT, text.tensor()), Map.of(CTX, ctx.tensor()),
                "the text stage"));
        for (int i = 0; i < ck.length; i++) {
            int layer = i;
            nanos += timed(() -> run(sessions.blockText(layer), Map.of(CTX, ctx.tensor()),
                    Map.of(CK, ck[layer].tensor(), CV, cv[layer].tensor()), "block " + layer + " text stage"));
        }
        textReady = true;
        return nanos;
    }

    long pre(int layer) {
        Map<String, OnnxTensor> in = Map.of(X, items.of(x), E, items.of(e), ROPE_COS, cos.tensor(), ROPE_SIN, sin.tensor());
        return timed(() -> run(sessions.pre(layer), in, Map.of(Q, items.of(qBuf), K, items.of(kBuf), V, items.of(vBuf)),
                "block " + layer + " pre stage"));
    }

    long post(int layer) {
        Map<String, OnnxTensor> in = Map.of(X, items.of(x), ATTN, items.of(attnBuf), E, items.of(e), CK, items.of(ck[layer]),
                CV, items.of(cv[layer]));
        long nanos = timed(() -> run(sessions.post(layer), in, Map.of(X_OUT, items.of(xNext)), "block " + layer + " post stage"));
        OrtBuffers.Floats swap = x;
        x = xNext;
        xNext = swap;
        return nanos;
    }

    /** Values of one batch item's hidden state (tokens × dim). */
    int hiddenValues() {
        return tokens * dim;
    }

    /** Copies batch item {@code b}'s current residual stream into {@code into}. */
    void readHidden(int b, float[] into) {
        x.buffer().get(b * hiddenValues(), into, 0, hiddenValues());
    }

    /** Replaces batch item {@code b}'s current residual stream with {@code from}. */
    void writeHidden(int b, float[] from) {
        x.buffer().put(b * hiddenValues(), from, 0, hiddenValues());
    }

    long head() {
        return timed(() -> run(sessions.head(), Map.of(X, items.of(x), TEMB, items.of(temb)), Map.of(OUT, items.of(out)),
                "the head"));
    }

    @Override
    public void close() {
        for (AutoCloseable c : owned) {
            try {
                c.close();
            } catch (Exception ignored) {
                // ORT tensors release native handles; nothing to do on failure
            }
        }
    }

    private Tensor[] views(OrtBuffers.Floats buffer, int batch, int heads, int hd) {
        return OrtBuffers.headViews(buffer, batch, heads, tokens, hd);
    }

    private static void run(OrtSession session, Map<String, OnnxTensor> in, Map<String, OnnxTensor> out, String what) {
        ModelSessions.run(session, in, out, what);
    }

    private <T extends AutoCloseable> T own(T resource) {
        owned.add(resource);
        return resource;
    }

    private static long timed(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return System.nanoTime() - t0;
    }
}
