package io.tilewise.wan.text;

import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.model.SafetensorsCheckpoint;
import io.tilewise.pipeline.model.SafetensorsDtype;
import io.tilewise.pipeline.model.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights of a {@code UMT5EncoderModel} / {@code T5EncoderModel} in a {@code text_encoder/} folder
 * ({@code model.safetensors}, or shards listed by {@code model.safetensors.index.json}; F32, BF16 or F16), checked
 * against the config before anything runs: every tensor present with its shape, no unknown {@code encoder.*} tensor.
 *
 * <p>Tensors are widened to fp32 into caller buffers one at a time. The checkpoint is opened (headers only) by
 * {@link #open()} for each use and closed after it: closing unmaps the files, so the pages of the layers already read
 * leave the process — with the whole 11 GB bf16 UMT5-XXL mapped for the run, its resident size would grow by every
 * page read. A T5 checkpoint keeps its one relative attention bias in block 0 (shared by all blocks); UMT5 has one per
 * block. Decoder and LM-head tensors of a full encoder-decoder checkpoint are ignored, as {@code UMT5EncoderModel}
 * ignores them.
 */
public final class Umt5Checkpoint {

    /** Tensors are widened through a heap chunk of this many values into the (direct) destination buffer. */
    private static final int CHUNK = 1 << 20;

    private final Path dir;
    private final Umt5Config config;
    private final String embedding;
    private final Map<String, long[]> expected;

    private Umt5Checkpoint(Path dir, Umt5Config config, String embedding, Map<String, long[]> expected) {
        this.dir = dir;
        this.config = config;
        this.embedding = embedding;
        this.expected = expected;
    }

    /** Checks {@code textEncoderDir} against {@code config}; the message of a failure names the file and tensor. */
    public static Umt5Checkpoint check(Path textEncoderDir, Umt5Config config) {
        Map<String, long[]> expected = expectedShapes(config);
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(textEncoderDir, "model")) {
            Map<String, TensorInfo> tensors = ckpt.tensors();
            String embedding = tensors.containsKey("shared.weight") ? "shared.weight" : "encoder.embed_tokens.weight";
            expected.put(embedding, new long[] {config.vocab(), config.dModel()});
            for (Map.Entry<String, long[]> e : expected.entrySet()) {
                TensorInfo info = tensors.get(e.getKey());
                if (info == null) {
                    throw new ModelFormatException(ckpt.source() + ": the text encoder has no tensor " + e.getKey()
                            + (e.getKey().equals(embedding) ? " (nor shared.weight)" : "")
                            + " (expected " + Arrays.toString(e.getValue()) + " from config.json)");
                }
                if (!Arrays.equals(info.shape(), e.getValue())) {
                    throw new ModelFormatException(ckpt.source() + ": text encoder tensor " + e.getKey() + " has shape "
                            + info.shapeString() + "; config.json implies " + Arrays.toString(e.getValue()));
                }
            }
            for (String name : tensors.keySet()) {
                boolean tiedCopy = name.equals("encoder.embed_tokens.weight") || name.equals("shared.weight");
                if (name.startsWith("encoder.") && !expected.containsKey(name) && !tiedCopy) {
                    throw new ModelFormatException(ckpt.source() + ": unknown text encoder tensor " + name
                            + (name.contains("relative_attention_bias") && !config.umt5()
                            ? " (a t5 config shares block 0's bias; is model_type umt5?)" : ""));
                }
            }
            return new Umt5Checkpoint(textEncoderDir, config, embedding, expected);
        }
    }

    public Umt5Config config() {
        return config;
    }

    /** Opens the files for one pass of reads (headers only; the data stays on disk until read). */
    public Reader open() {
        return new Reader(SafetensorsCheckpoint.open(dir, "model"));
    }

    /** Tensor name of block {@code layer}'s weight {@code suffix} (e.g. {@code layer.0.SelfAttention.q.weight}). */
    public static String blockTensor(int layer, String suffix) {
        return "encoder.block." + layer + "." + suffix;
    }

    /** The relative attention bias table block {@code layer} uses (block 0's for T5). */
    public String biasTensor(int layer) {
        return blockTensor(config.hasBias(layer) ? layer : 0, "layer.0.SelfAttention.relative_attention_bias.weight");
    }

    private static Map<String, long[]> expectedShapes(Umt5Config c) {
        Map<String, long[]> out = new LinkedHashMap<>();
        long[][] shapes = Umt5Graphs.blockWeightShapes(c);
        for (int layer = 0; layer < c.layers(); layer++) {
            for (int i = 0; i < shapes.length; i++) out.put(blockTensor(layer, Umt5Graphs.BLOCK_TENSORS.get(i)), shapes[i]);
            if (c.hasBias(layer)) {
                out.put(blockTensor(layer, "layer.0.SelfAttention.relative_attention_bias.weight"),
                        new long[] {c.buckets(), c.heads()});
            }
        }
        out.put("encoder.final_layer_norm.weight", new long[] {c.dModel()});
        return out;
    }

    /** One pass of reads over the mapped files; closing unmaps them. */
    public final class Reader implements AutoCloseable {

        private final SafetensorsCheckpoint ckpt;
        private final float[] chunk;

        private Reader(SafetensorsCheckpoint ckpt) {
            this.ckpt = ckpt;
            this.chunk = new float[CHUNK];
        }

        /** Widens tensor {@code name} into {@code dst[0..]} (its size must match the tensor's). */
        public void read(String name, FloatBuffer dst) {
            TensorInfo info = ckpt.info(name);
            long count = info.elementCount();
            if (count != dst.capacity()) {
                throw new IllegalStateException(name + " has " + count + " values, buffer " + dst.capacity());
            }
            widen(ckpt.dtype(name), ckpt.file(name).segment(name), 0, count, dst, 0);
        }

        /** Rows {@code ids[i]} of the token embedding table, {@code [ids.length, d_model]} row-major. */
        public float[] embeddingRows(long[] ids) {
            int d = config.dModel();
            SafetensorsDtype dtype = ckpt.dtype(embedding);
            MemorySegment table = ckpt.file(embedding).segment(embedding);
            float[] out = new float[ids.length * d];
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0 || ids[i] >= config.vocab()) {
                    throw new IllegalArgumentException("token id " + ids[i] + " is outside the text encoder's vocabulary of "
                            + config.vocab() + " (does tokenizer.json belong to this text encoder?)");
                }
                dtype.decode(table, ids[i] * d, out, i * d, d);
            }
            return out;
        }

        private void widen(SafetensorsDtype dtype, MemorySegment src, long from, long count, FloatBuffer dst, int at) {
            for (long done = 0; done < count; done += CHUNK) {
                int n = (int) Math.min(CHUNK, count - done);
                dtype.decode(src, from + done, chunk, 0, n);
                dst.put(at + (int) done, chunk, 0, n);
            }
        }

        @Override
        public void close() {
            ckpt.close();
        }
    }

    /** True when {@code dir} holds a checkpoint this class would try to open. */
    static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve("model.safetensors"))
                || Files.isRegularFile(dir.resolve("model.safetensors.index.json"));
    }
}
