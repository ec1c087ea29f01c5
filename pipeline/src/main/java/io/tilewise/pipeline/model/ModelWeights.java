package io.tilewise.pipeline.model;

import io.tilewise.pipeline.onnx.PositionFeatures;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The F32 weights of a {@code tilewise-tiny-dit-v1} model, checked tensor by tensor against the architecture
 * (docs/tiny-dit-architecture.md, "Weights") before anything runs: a missing, extra or wrong-shaped tensor is named
 * in the error, e.g. {@code blocks.2.attn.qkv.weight has shape [384, 64], expected [384, 128]}. Linear weights are
 * {@code [out, in]} as in PyTorch. Values are copied to the heap, so the safetensors file may be closed afterwards.
 */
public final class ModelWeights {

    private final ModelConfig config;
    private final Map<String, long[]> shapes;
    private final Map<String, float[]> values;

    private ModelWeights(ModelConfig config, Map<String, long[]> shapes, Map<String, float[]> values) {
        this.config = config;
        this.shapes = shapes;
        this.values = values;
    }

    /** Every tensor the architecture needs, in contract order, with its shape. */
    public static Map<String, long[]> expectedShapes(ModelConfig c) {
        Map<String, long[]> m = new LinkedHashMap<>();
        int d = c.hidden();
        int dt = c.text().hidden();
        int v = c.text().vocab().size();
        int p = c.patchSize();
        m.put("text.embed.weight", dims(v, dt));
        m.put("text.pos.weight", dims(c.text().maxTokens(), dt));
        for (int i = 0; i < c.text().layers(); i++) {
            String l = "text.layers." + i + ".";
            m.put(l + "norm1.weight", dims(dt));
            m.put(l + "norm1.bias", dims(dt));
            linear(m, l + "attn.qkv", 3 * dt, dt);
            linear(m, l + "attn.out", dt, dt);
            m.put(l + "norm2.weight", dims(dt));
            m.put(l + "norm2.bias", dims(dt));
            linear(m, l + "mlp.fc1", 4 * dt, dt);
            linear(m, l + "mlp.fc2", dt, 4 * dt);
        }
        m.put("text.norm.weight", dims(dt));
        m.put("text.norm.bias", dims(dt));
        linear(m, "patch_embed", d, p);
        if (c.positionFeatures() > 0) m.put("pos_embed.weight", dims(d, PositionFeatures.width(c.positionFeatures())));
        linear(m, "time_embed.fc1", d, c.freqDim());
        linear(m, "time_embed.fc2", d, d);
        linear(m, "time_proj", 6 * d, d);
        if (c.text().pooled()) linear(m, "text_pool", d, dt);
        for (int i = 0; i < c.blocks(); i++) {
            String b = "blocks." + i + ".";
            m.put(b + "modulation", dims(6, d));
            linear(m, b + "attn.qkv", 3 * d, d);
            m.put(b + "attn.norm_q.weight", dims(c.headDim()));
            m.put(b + "attn.norm_k.weight", dims(c.headDim()));
            linear(m, b + "attn.out", d, d);
            m.put(b + "cross.norm.weight", dims(d));
            m.put(b + "cross.norm.bias", dims(d));
            linear(m, b + "cross.q", d, d);
            linear(m, b + "cross.kv", 2 * d, dt);
            linear(m, b + "cross.out", d, d);
            linear(m, b + "mlp.fc1", c.mlpHidden(), d);
            linear(m, b + "mlp.fc2", d, c.mlpHidden());
        }
        m.put("head.modulation", dims(2, d));
        linear(m, "head.linear", p, d);
        return m;
    }

    /** Loads {@code weights.safetensors} and checks it against {@code config}. */
    public static ModelWeights load(Path file, ModelConfig config) {
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            Map<String, long[]> expected = expectedShapes(config);
            check(expected, st.tensors());
            Map<String, float[]> values = new LinkedHashMap<>();
            for (String name : expected.keySet()) values.put(name, st.floats(name));
            return new ModelWeights(config, Collections.unmodifiableMap(expected), Collections.unmodifiableMap(values));
        }
    }

    /** Weights from in-memory arrays (same checks as {@link #load}). */
    public static ModelWeights of(ModelConfig config, Map<String, float[]> arrays) {
        Map<String, long[]> expected = expectedShapes(config);
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, float[]> e : arrays.entrySet()) {
            long[] shape = expected.getOrDefault(e.getKey(), new long[] {e.getValue().length});
            long bytes = (long) e.getValue().length * Float.BYTES;
            if (count(shape) != e.getValue().length) shape = new long[] {e.getValue().length};
            infos.put(e.getKey(), new TensorInfo(e.getKey(), "F32", shape, offset, offset + bytes));
            offset += bytes;
        }
        check(expected, infos);
        return new ModelWeights(config, Collections.unmodifiableMap(expected), Map.copyOf(arrays));
    }

    private static void check(Map<String, long[]> expected, Map<String, TensorInfo> actual) {
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        if (!missing.isEmpty()) {
            throw new ModelFormatException("weights: missing tensor" + (missing.size() > 1 ? "s " : " ") + list(missing)
                    + " (architecture " + ModelConfig.ARCHITECTURE + ")");
        }
        TreeSet<String> extra = new TreeSet<>(actual.keySet());
        extra.removeAll(expected.keySet());
        if (!extra.isEmpty()) {
            throw new ModelFormatException("weights: unexpected tensor" + (extra.size() > 1 ? "s " : " ") + list(extra)
                    + " not in architecture " + ModelConfig.ARCHITECTURE);
        }
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorInfo info = actual.get(e.getKey());
            if (!info.dtype().equals("F32")) {
                throw new ModelFormatException("weights: " + e.getKey() + " has dtype " + info.dtype() + ", expected F32");
            }
            if (!Arrays.equals(info.shape(), e.getValue())) {
                throw new ModelFormatException("weights: " + e.getKey() + " has shape " + info.shapeString() + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
    }

    public ModelConfig config() {
        return config;
    }

    /** The tensor's values (row-major; do not modify). */
    public float[] get(String name) {
        float[] v = values.get(name);
        if (v == null) throw new IllegalArgumentException("no weight named " + name);
        return v;
    }

    public long[] shape(String name) {
        long[] s = shapes.get(name);
        if (s == null) throw new IllegalArgumentException("no weight named " + name);
        return s.clone();
    }

    public List<String> names() {
        return List.copyOf(shapes.keySet());
    }

    private static String list(TreeSet<String> names) {
        List<String> shown = names.stream().limit(8).toList();
        return String.join(", ", shown) + (names.size() > shown.size() ? " and " + (names.size() - shown.size()) + " more" : "");
    }

    private static void linear(Map<String, long[]> m, String prefix, int out, int in) {
        m.put(prefix + ".weight", dims(out, in));
        m.put(prefix + ".bias", dims(out));
    }

    private static long[] dims(long... d) {
        return d;
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }
}
