package io.tilewise.wan.transformer;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every tensor of a {@code WanTransformer3DModel} under diffusers' names, with the shape the config implies
 * (PyTorch layouts: Linear weights {@code [out, in]}, the Conv3d patch embedding {@code [dim, in, pt, ph, pw]}).
 */
public final class WanTensorNames {

    private WanTensorNames() {
    }

    public static final String PATCH_WEIGHT = "patch_embedding.weight";
    public static final String PATCH_BIAS = "patch_embedding.bias";
    public static final String TIME_1 = "condition_embedder.time_embedder.linear_1";
    public static final String TIME_2 = "condition_embedder.time_embedder.linear_2";
    public static final String TIME_PROJ = "condition_embedder.time_proj";
    public static final String TEXT_1 = "condition_embedder.text_embedder.linear_1";
    public static final String TEXT_2 = "condition_embedder.text_embedder.linear_2";
    public static final String HEAD_TABLE = "scale_shift_table";
    public static final String PROJ_OUT = "proj_out";

    /** {@code blocks.i.} */
    public static String block(int i) {
        return "blocks." + i + ".";
    }

    /** Name → expected shape, in model order. */
    public static Map<String, long[]> expected(WanConfig c) {
        long d = c.dim();
        int[] p = c.patch();
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put(PATCH_WEIGHT, new long[] {d, c.inChannels(), p[0], p[1], p[2]});
        m.put(PATCH_BIAS, new long[] {d});
        linear(m, TIME_1, d, c.freqDim());
        linear(m, TIME_2, d, d);
        linear(m, TIME_PROJ, 6 * d, d);
        linear(m, TEXT_1, d, c.textDim());
        linear(m, TEXT_2, d, d);
        for (int i = 0; i < c.layers(); i++) {
            String b = block(i);
            for (String attn : new String[] {"attn1", "attn2"}) {
                linear(m, b + attn + ".to_q", d, d);
                linear(m, b + attn + ".to_k", d, d);
                linear(m, b + attn + ".to_v", d, d);
                linear(m, b + attn + ".to_out.0", d, d);
                m.put(b + attn + ".norm_q.weight", new long[] {d});
                m.put(b + attn + ".norm_k.weight", new long[] {d});
            }
            if (c.crossAttnNorm()) {
                m.put(b + "norm2.weight", new long[] {d});
                m.put(b + "norm2.bias", new long[] {d});
            }
            linear(m, b + "ffn.net.0.proj", c.ffnDim(), d);
            linear(m, b + "ffn.net.2", d, c.ffnDim());
            m.put(b + "scale_shift_table", new long[] {1, 6, d});
        }
        m.put(HEAD_TABLE, new long[] {1, 2, d});
        linear(m, PROJ_OUT, c.patchOut(), d);
        return Collections.unmodifiableMap(m);
    }

    private static void linear(Map<String, long[]> m, String name, long out, long in) {
        m.put(name + ".weight", new long[] {out, in});
        m.put(name + ".bias", new long[] {out});
    }
}
