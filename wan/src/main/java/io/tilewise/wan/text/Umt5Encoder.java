package io.tilewise.wan.text;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.OrtBuffers;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * {@code UMT5EncoderModel(input_ids, attention_mask).last_hidden_state} on ONNX Runtime, one encoder block at a time.
 *
 * <p>Memory: UMT5-XXL has 5.7B parameters, 23 GB in fp32 — it cannot sit in fp32 next to the transformer in 24 GB,
 * and it runs once per prompt. So one session per graph ({@link Umt5Graphs}) takes the weights as inputs, and the
 * weights of one block at a time (≈ 0.77 GB fp32 for XXL: q, k, v, o 4096² and wi_0, wi_1, wo 4096×10240) are widened
 * from the memory-mapped checkpoint into direct buffers that are allocated once and refilled for every block. The
 * token embedding (256384 × 4096) is never widened whole: only the rows of the prompt's ids are read.
 *
 * <p>Length: the graphs run on the first {@code L = max(length)} positions only, not the padded {@code N}. This is
 * exact, not an approximation: padded keys get the score {@code float32.min} and so softmax weight exactly 0 (their
 * values never reach a real row), the position bias depends only on {@code key − query}, and norms and FFN act per
 * token; the padded rows themselves are discarded by the caller ({@code _get_t5_prompt_embeds} sets them to zero).
 * The test against the fp64 reference runs the reference on all {@code N} positions.
 */
public final class Umt5Encoder implements AutoCloseable {

    private final Umt5Checkpoint checkpoint;
    private final Umt5Config c;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession block;
    private final OrtSession finalNorm;
    private final List<OrtBuffers.Floats> weights = new ArrayList<>();
    private final OrtBuffers.Floats relBias;
    private final OrtBuffers.Floats lnFinal;
    private boolean closed;

    /** Sessions on ORT's CPU provider with {@code threads} intra-op threads. */
    public Umt5Encoder(Umt5Checkpoint checkpoint, int threads) {
        this.checkpoint = checkpoint;
        this.c = checkpoint.config();
        this.env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions opts = null;
        OrtSession b = null;
        try {
            opts = ModelSessions.baseOptions(threads);
            b = env.createSession(Umt5Graphs.block(c), opts);
            this.finalNorm = env.createSession(Umt5Graphs.finalNorm(c), opts);
        } catch (OrtException e) {
            closeQuietly(b);
            if (opts != null) opts.close();
            throw new IllegalStateException("ONNX Runtime refused the UMT5 graphs: " + e.getMessage(), e);
        }
        this.options = opts;
        this.block = b;
        for (long[] shape : Umt5Graphs.blockWeightShapes(c)) weights.add(OrtBuffers.floats(env, shape));
        this.relBias = OrtBuffers.floats(env, c.buckets(), c.heads());
        this.lnFinal = OrtBuffers.floats(env, c.dModel());
    }

    public Umt5Config config() {
        return c;
    }

    /**
     * Encodes {@code B} token sequences.
     *
     * @param ids     {@code [B][N]} token ids (padding past each length is never read)
     * @param lengths real tokens per sequence, each in {@code 1..N} (the attention mask is 1 exactly on these)
     * @param layerDone called with the number of blocks done after each block (progress), may be null
     * @return {@code [B, N, d_model]} row-major: the encoder's states on each sequence's first {@code lengths[b]}
     *         positions and exactly zero after them
     */
    public float[] encode(long[][] ids, int[] lengths, IntConsumer layerDone) {
        ensureOpen();
        int batch = ids.length;
        if (batch == 0 || lengths.length != batch) throw new IllegalArgumentException("need one length per sequence");
        int n = ids[0].length;
        int len = 0;
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != n) throw new IllegalArgumentException("sequences must have the same padded length");
            if (lengths[b] < 1 || lengths[b] > n) {
                throw new IllegalArgumentException("sequence " + b + " length " + lengths[b] + " must be in 1.." + n);
            }
            len = Math.max(len, lengths[b]);
        }
        int d = c.dModel();
        long[] used = new long[batch * len];
        float[] mask = new float[batch * len];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < len; j++) {
                used[b * len + j] = ids[b][j]; // the pad id past lengths[b]: masked, and its rows are dropped
                mask[b * len + j] = j < lengths[b] ? 1f : 0f;
            }
        }
        float[] hidden;
        try (OrtBuffers.Floats maskT = OrtBuffers.floats(env, mask, batch, len);
             OrtBuffers.Longs buckets = OrtBuffers.longs(env, RelativePositionBuckets.matrix(len, c.buckets(), c.maxDistance()), len, len);
             OrtBuffers.Longs shapeBhld = OrtBuffers.longs(env, new long[] {batch, len, c.heads(), c.dKv()}, 4);
             OrtBuffers.Longs shapeTd = OrtBuffers.longs(env, new long[] {(long) batch * len, c.inner()}, 2)) {
            float[] embedded;
            try (Umt5Checkpoint.Reader reader = checkpoint.open()) {
                embedded = reader.embeddingRows(used);
            }
            Map<String, OnnxTensor> fixed = Map.of(Umt5Graphs.MASK, maskT.tensor(), Umt5Graphs.BUCKETS, buckets.tensor(),
                    Umt5Graphs.SHAPE_BHLD, shapeBhld.tensor(), Umt5Graphs.SHAPE_TD, shapeTd.tensor());
            hidden = blocks(embedded, (long) batch * len, fixed, layerDone);
        }
        float[] result = new float[batch * n * d];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(hidden, b * len * d, result, b * n * d, lengths[b] * d);
        }
        return result;
    }

    /** Every block then the final norm on {@code [tokens, d]} embeddings; the other block inputs in {@code fixed}. */
    private float[] blocks(float[] embedded, long tokens, Map<String, OnnxTensor> fixed, IntConsumer layerDone) {
        OnnxTensor h = tensor(embedded, tokens, c.dModel());
        try {
            for (int layer = 0; layer < c.layers(); layer++) {
                try (Umt5Checkpoint.Reader reader = checkpoint.open()) {
                    for (int i = 0; i < weights.size(); i++) {
                        reader.read(Umt5Checkpoint.blockTensor(layer, Umt5Graphs.BLOCK_TENSORS.get(i)), weights.get(i).buffer());
                    }
                    reader.read(checkpoint.biasTensor(layer), relBias.buffer());
                }
                Map<String, OnnxTensor> inputs = new HashMap<>(fixed);
                inputs.put(Umt5Graphs.H, h);
                inputs.put(Umt5Graphs.REL_BIAS, relBias.tensor());
                for (int i = 0; i < weights.size(); i++) inputs.put(Umt5Graphs.BLOCK_WEIGHTS.get(i), weights.get(i).tensor());
                OnnxTensor previous = h;
                h = run(block, inputs, Umt5Graphs.H_OUT, "block " + layer);
                previous.close();
                if (layerDone != null) layerDone.accept(layer + 1);
            }
            try (Umt5Checkpoint.Reader reader = checkpoint.open()) {
                reader.read("encoder.final_layer_norm.weight", lnFinal.buffer());
            }
            try (OnnxTensor out = run(finalNorm, Map.of(Umt5Graphs.H, h, Umt5Graphs.LN, lnFinal.tensor()), Umt5Graphs.OUT, "final norm")) {
                FloatBuffer fb = out.getFloatBuffer();
                float[] hidden = new float[fb.remaining()];
                fb.get(hidden);
                return hidden;
            }
        } finally {
            h.close(); // the current hidden states, also when a block failed
        }
    }

    private OnnxTensor tensor(float[] values, long... shape) {
        try {
            return OnnxTensor.createTensor(env, FloatBuffer.wrap(values), shape);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot create an ORT tensor: " + e.getMessage(), e);
        }
    }

    private static OnnxTensor run(OrtSession session, Map<String, OnnxTensor> inputs, String output, String what) {
        OrtSession.Result result = null;
        try {
            result = session.run(inputs, java.util.Set.of(output));
            OnnxTensor t = (OnnxTensor) result.get(output).orElseThrow();
            // Detach the output from the Result so it outlives it: copy into a tensor we own.
            FloatBuffer fb = t.getFloatBuffer();
            long[] shape = t.getInfo().getShape();
            float[] copy = new float[fb.remaining()];
            fb.get(copy);
            return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(copy), shape);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed in the UMT5 " + what + ": " + e.getMessage(), e);
        } finally {
            if (result != null) result.close();
        }
    }

    private void ensureOpen() {
        if (closed) throw new IllegalStateException("the UMT5 encoder is closed");
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        weights.forEach(OrtBuffers.Floats::close);
        relBias.close();
        lnFinal.close();
        closeQuietly(block);
        closeQuietly(finalNorm);
        options.close();
    }

    private static void closeQuietly(OrtSession s) {
        if (s == null) return;
        try {
            s.close();
        } catch (OrtException ignored) {
            // releasing native memory; nothing useful to do on failure
        }
    }
}
