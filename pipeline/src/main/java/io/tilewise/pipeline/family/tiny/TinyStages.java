package io.tilewise.pipeline.family.tiny;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.onnx.BatchItems;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.OrtBuffers;
import io.tilewise.pipeline.onnx.PositionFeatures;
import io.tilewise.pipeline.onnx.RopeTables;
import io.tilewise.pipeline.onnx.StageTransfers;
import io.tilewise.pipeline.run.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.tilewise.pipeline.onnx.StageGraphs.ATTN;
import static io.tilewise.pipeline.onnx.StageGraphs.E;
import static io.tilewise.pipeline.onnx.StageGraphs.IDS;
import static io.tilewise.pipeline.onnx.StageGraphs.K;
import static io.tilewise.pipeline.onnx.StageGraphs.PATCHES;
import static io.tilewise.pipeline.onnx.StageGraphs.POSITION;
import static io.tilewise.pipeline.onnx.StageGraphs.Q;
import static io.tilewise.pipeline.onnx.StageGraphs.ROPE_COS;
import static io.tilewise.pipeline.onnx.StageGraphs.ROPE_SIN;
import static io.tilewise.pipeline.onnx.StageGraphs.T;
import static io.tilewise.pipeline.onnx.StageGraphs.TEMB;
import static io.tilewise.pipeline.onnx.StageGraphs.TEXT_MASK;
import static io.tilewise.pipeline.onnx.StageGraphs.TEXT_POOLED;
import static io.tilewise.pipeline.onnx.StageGraphs.TEXT_STATES;
import static io.tilewise.pipeline.onnx.StageGraphs.V;
import static io.tilewise.pipeline.onnx.StageGraphs.VELOCITY;
import static io.tilewise.pipeline.onnx.StageGraphs.X;
import static io.tilewise.pipeline.onnx.StageGraphs.X_OUT;

/**
 * The tiny DiT's {@link DenoiserStages}: every ORT tensor of one segment, each over a direct buffer allocated once: stage outputs are pinned, so ORT
 * writes q, k, v straight into memory that our attention reads through {@link Tensor#wrap} views (one per CFG branch,
 * no copy), and our attention writes its output where the post stage reads it. The residual stream ping-pongs between
 * two buffers. Each method returns the nanoseconds ORT took.
 */
public final class TinyStages implements DenoiserStages {

    private final ModelSessions sessions;
    private final ModelConfig config;
    private final Tokenizer tokenizer;
    private final int batch;
    private final int tokens;
    private final int patchSize;
    /** {@code [batch, dt]} mean word embedding of each prompt, or null for a model without pooled text. */
    private final OrtBuffers.Floats pooled;
    /** {@code [tokens, 6k]} position features, or null for a model without them. */
    private final OrtBuffers.Floats position;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final OrtBuffers.Floats patches, t, xA, xB, temb, e, cos, sin, qBuf, kBuf, vBuf, attnBuf, text, mask;
    private final OrtBuffers.Floats velocity;
    private final BatchItems items;
    private final Tensor[] q, k, v, attn;
    /** Bytes the stage runs moved between host and device (zero on the CPU provider). */
    private final StageTransfers transfers;
    private OrtBuffers.Floats x;
    private OrtBuffers.Floats xNext;

    public TinyStages(ModelSessions sessions, ModelConfig c, TokenGrid grid, int batch) {
        this.sessions = sessions;
        this.config = c;
        this.tokenizer = Tokenizer.of(c);
        this.batch = batch;
        this.tokens = grid.volume();
        this.patchSize = c.patchSize();
        this.transfers = new StageTransfers(sessions.provider().used());
        OrtEnvironment env = sessions.environment();
        int d = c.hidden();
        int heads = c.heads();
        int hd = c.headDim();
        int len = c.text().maxTokens();
        RopeTables rope = RopeTables.of(grid, c.ropeAxes(), c.ropeTheta());
        items = own(new BatchItems(env, batch));
        patches = own(OrtBuffers.floats(env, batch, tokens, patchSize));
        t = own(OrtBuffers.floats(env, batch));
        xA = own(OrtBuffers.floats(env, batch, tokens, d));
        xB = own(OrtBuffers.floats(env, batch, tokens, d));
        temb = own(OrtBuffers.floats(env, batch, d));
        e = own(OrtBuffers.floats(env, batch, 6, d));
        cos = own(OrtBuffers.floats(env, rope.cos(), tokens, rope.pairs()));
        sin = own(OrtBuffers.floats(env, rope.sin(), tokens, rope.pairs()));
        int features = c.positionFeatures();
        position = features > 0
                ? own(OrtBuffers.floats(env, PositionFeatures.of(grid, features), tokens, PositionFeatures.width(features))) : null;
        qBuf = own(OrtBuffers.floats(env, batch, heads, tokens, hd));
        kBuf = own(OrtBuffers.floats(env, batch, heads, tokens, hd));
        vBuf = own(OrtBuffers.floats(env, batch, heads, tokens, hd));
        attnBuf = own(OrtBuffers.floats(env, batch, heads, tokens, hd));
        text = own(OrtBuffers.floats(env, batch, len, c.text().hidden()));
        mask = own(OrtBuffers.floats(env, batch, len));
        pooled = c.text().pooled() ? own(OrtBuffers.floats(env, batch, c.text().hidden())) : null;
        velocity = own(OrtBuffers.floats(env, batch, tokens, patchSize));
        q = views(qBuf, heads, hd);
        k = views(kBuf, heads, hd);
        v = views(vBuf, heads, hd);
        attn = views(attnBuf, heads, hd);
    }

    /**
     * RoPE tables and position features for a grid that starts at latent frame {@code firstFrame} of a clip of
     * {@code clipFrames} latent frames (streaming chunks).
     */
    @Override
    public int batch() {
        return batch;
    }

    @Override
    public void framePositions(TokenGrid grid, int firstFrame, int clipFrames) {
        ModelConfig c = config;
        RopeTables rope = RopeTables.of(grid, c.ropeAxes(), c.ropeTheta(), firstFrame);
        cos.put(rope.cos());
        sin.put(rope.sin());
        if (position != null) position.put(PositionFeatures.of(grid, c.positionFeatures(), firstFrame, clipFrames));
    }

    @Override
    public long encodeText(List<String> texts) {
        List<Tokenizer.Encoding> prompts = texts.stream().map(tokenizer::encode).toList();
        return encodeTokens(prompts);
    }

    /** The text encoder on prompts already tokenized, one per branch. */
    public long encodeTokens(List<Tokenizer.Encoding> prompts) {
        int len = prompts.getFirst().ids().length;
        long[] ids = new long[batch * len];
        float[] m = new float[batch * len];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(prompts.get(b).ids(), 0, ids, b * len, len);
            System.arraycopy(prompts.get(b).mask(), 0, m, b * len, len);
        }
        mask.put(m);
        try (OrtBuffers.Longs idsT = OrtBuffers.longs(sessions.environment(), ids, batch, len)) {
            Map<String, OnnxTensor> out = pooled == null ? Map.of(TEXT_STATES, text.tensor())
                    : Map.of(TEXT_STATES, text.tensor(), TEXT_POOLED, pooled.tensor());
            return timed(() -> run(sessions.textEncoder(), Map.of(IDS, idsT.tensor(), TEXT_MASK, mask.tensor()), out,
                    "the text encoder"));
        }
    }

    /** Every batch row gets the same latent and time (CFG branches differ only in their text). */
    @Override
    public long embed(float[] latent, double modelTime) {
        float time = (float) modelTime;
        for (int b = 0; b < batch; b++) {
            patches.buffer().put(b * tokens * patchSize, latent);
            t.buffer().put(b, time);
        }
        x = xA;
        xNext = xB;
        items.all();
        Map<String, OnnxTensor> in = new java.util.HashMap<>(Map.of(PATCHES, patches.tensor(), T, t.tensor()));
        if (pooled != null) in.put(TEXT_POOLED, pooled.tensor());
        if (position != null) in.put(POSITION, position.tensor());
        return timed(() -> run(sessions.embed(), in, Map.of(X, x.tensor(), TEMB, temb.tensor(), E, e.tensor()),
                "the embed stage"));
    }

    /** Block and head stages run the first {@code count} items alone, on the same buffers (a CFG-reuse step). */
    @Override
    public void limitBranches(int count) {
        items.limit(count);
    }

    @Override
    public long pre(int layer) {
        Map<String, OnnxTensor> in = Map.of(X, items.of(x), E, items.of(e), ROPE_COS, cos.tensor(), ROPE_SIN, sin.tensor());
        return timed(() -> run(sessions.pre(layer), in,
                Map.of(Q, items.of(qBuf), K, items.of(kBuf), V, items.of(vBuf)), "block " + layer + " pre stage"));
    }

    @Override
    public long post(int layer) {
        Map<String, OnnxTensor> in = Map.of(X, items.of(x), ATTN, items.of(attnBuf), E, items.of(e),
                TEXT_STATES, items.of(text), TEXT_MASK, items.of(mask));
        long nanos = timed(() -> run(sessions.post(layer), in, Map.of(X_OUT, items.of(xNext)),
                "block " + layer + " post stage"));
        OrtBuffers.Floats swap = x;
        x = xNext;
        xNext = swap;
        return nanos;
    }

    @Override
    public long head() {
        return timed(() -> run(sessions.head(), Map.of(X, items.of(x), TEMB, items.of(temb)),
                Map.of(VELOCITY, items.of(velocity)), "the head"));
    }

    @Override
    public int hiddenValues() {
        return tokens * config.hidden();
    }

    @Override
    public void readHidden(int branch, float[] into) {
        x.buffer().get(branch * hiddenValues(), into, 0, hiddenValues());
    }

    @Override
    public void writeHidden(int branch, float[] from) {
        x.buffer().put(branch * hiddenValues(), from, 0, hiddenValues());
    }

    @Override
    public Tensor q(int branch) {
        return q[branch];
    }

    @Override
    public Tensor k(int branch) {
        return k[branch];
    }

    @Override
    public Tensor v(int branch) {
        return v[branch];
    }

    @Override
    public Tensor out(int branch) {
        return attn[branch];
    }

    @Override
    public float[] output() {
        return velocity.toArray();
    }

    @Override
    public long hostToDeviceBytes() {
        return transfers.hostToDevice();
    }

    @Override
    public long deviceToHostBytes() {
        return transfers.deviceToHost();
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

    private Tensor[] views(OrtBuffers.Floats buffer, int heads, int hd) {
        return OrtBuffers.headViews(buffer, batch, heads, tokens, hd);
    }

    private void run(OrtSession session, Map<String, OnnxTensor> in, Map<String, OnnxTensor> out, String what) {
        transfers.add(in, out);
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
