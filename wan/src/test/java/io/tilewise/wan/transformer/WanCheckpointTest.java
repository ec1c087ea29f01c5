package io.tilewise.wan.transformer;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.model.SafetensorsDtype;
import io.tilewise.pipeline.model.SafetensorsFile;
import io.tilewise.pipeline.model.SafetensorsWriter;
import io.tilewise.pipeline.run.Pipeline;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The golden transformer's weights stored other ways — original Wan names with and without the
 * {@code model.diffusion_model.} prefix, BF16 shards with an index, F16 — load to the same model: the same forward
 * output as the diffusers F32 file holding the same (rounded) values. And every way a checkpoint can disagree with
 * its config is refused naming the file and the tensor.
 */
class WanCheckpointTest {

    @TempDir
    Path dir;

    private static Path golden;
    private static String config;
    private static Map<String, long[]> shapes;
    private static Map<String, float[]> values;
    private static NpyArray x;
    private static NpyArray ctx;

    @BeforeAll
    static void readGolden() throws Exception {
        golden = WanGoldenForwardTest.golden();
        Path transformer = golden.resolve("model/transformer");
        config = Files.readString(transformer.resolve("config.json"));
        shapes = new LinkedHashMap<>();
        values = new LinkedHashMap<>();
        try (SafetensorsFile st = SafetensorsFile.open(transformer.resolve("diffusion_pytorch_model.safetensors"))) {
            for (var e : st.tensors().entrySet()) {
                shapes.put(e.getKey(), e.getValue().shape());
                values.put(e.getKey(), st.floats(e.getKey()));
            }
        }
        x = Npy.read(golden.resolve("x.npy"));
        ctx = Npy.read(golden.resolve("ctx.npy"));
    }

    /** diffusers → original Wan names, written out from the release's module names. */
    static String original(String name) {
        String[][] rules = {
                {"condition_embedder.time_embedder.linear_1.", "time_embedding.0."},
                {"condition_embedder.time_embedder.linear_2.", "time_embedding.2."},
                {"condition_embedder.time_proj.", "time_projection.1."},
                {"condition_embedder.text_embedder.linear_1.", "text_embedding.0."},
                {"condition_embedder.text_embedder.linear_2.", "text_embedding.2."},
                {"proj_out.", "head.head."},
                {".attn1.to_out.0.", ".self_attn.o."},
                {".attn2.to_out.0.", ".cross_attn.o."},
                {".attn1.to_", ".self_attn."},
                {".attn2.to_", ".cross_attn."},
                {".attn1.norm_", ".self_attn.norm_"},
                {".attn2.norm_", ".cross_attn.norm_"},
                {".norm2.", ".norm3."},
                {".ffn.net.0.proj.", ".ffn.0."},
                {".ffn.net.2.", ".ffn.2."},
                {".scale_shift_table", ".modulation"}};
        if (name.equals("scale_shift_table")) return "head.modulation";
        for (String[] r : rules) name = name.replace(r[0], r[1]);
        return name;
    }

    private Path folder(String name, UnaryOperator<String> rename, SafetensorsDtype dtype, int shards) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(name));
        Files.writeString(folder.resolve("config.json"), config);
        List<String> names = new ArrayList<>(values.keySet());
        if (shards == 1) {
            SafetensorsWriter w = new SafetensorsWriter();
            for (String n : names) w.add(rename.apply(n), shapes.get(n), values.get(n), dtype);
            w.write(folder.resolve("diffusion_pytorch_model.safetensors"));
            return folder;
        }
        StringBuilder map = new StringBuilder();
        for (int s = 0; s < shards; s++) {
            String file = "diffusion_pytorch_model-0000" + (s + 1) + "-of-0000" + shards + ".safetensors";
            SafetensorsWriter w = new SafetensorsWriter();
            for (int i = s; i < names.size(); i += shards) {
                String n = names.get(i);
                w.add(rename.apply(n), shapes.get(n), values.get(n), dtype);
                map.append(map.isEmpty() ? "" : ",").append('"').append(rename.apply(n)).append("\":\"").append(file).append('"');
            }
            w.write(folder.resolve(file));
        }
        Files.writeString(folder.resolve("diffusion_pytorch_model.safetensors.index.json"), "{\"weight_map\":{" + map + "}}");
        return folder;
    }

    private static float[] forward(Path folder) {
        try (WanTransformer model = WanTransformer.open(folder, new Pipeline.Options(1, null))) {
            return model.forward(x.data(), x.shape(), 421.5f, ctx.data(), ctx.shape()[1], model.policy("dense")).velocity();
        }
    }

    @Test
    void originalLayoutNamesWithAndWithoutPrefixLoadTheSameModel() throws IOException {
        float[] reference = forward(folder("diffusers", n -> n, SafetensorsDtype.F32, 1));
        Path plain = folder("original", WanCheckpointTest::original, SafetensorsDtype.F32, 1);
        Path prefixed = folder("comfy", n -> "model.diffusion_model." + original(n), SafetensorsDtype.F32, 1);
        try (WanTransformer model = WanTransformer.open(plain, new Pipeline.Options(1, null))) {
            assertEquals(WanCheckpoint.Layout.ORIGINAL, model.layout());
        }
        assertArrayEquals(reference, forward(plain));
        assertArrayEquals(reference, forward(prefixed));
    }

    @Test
    void bf16ShardsAndF16LoadTheirRoundedValues() throws IOException {
        Path bf16 = folder("bf16", n -> n, SafetensorsDtype.BF16, 3);
        Path f16 = folder("f16", n -> n, SafetensorsDtype.F16, 1);
        Map<String, float[]> exact = new LinkedHashMap<>(values);
        try {
            values.replaceAll((n, v) -> round(v, SafetensorsDtype.BF16));
            float[] bf16Reference = forward(folder("bf16-as-f32", n -> n, SafetensorsDtype.F32, 1));
            values.putAll(exact);
            values.replaceAll((n, v) -> round(v, SafetensorsDtype.F16));
            float[] f16Reference = forward(folder("f16-as-f32", n -> n, SafetensorsDtype.F32, 1));
            assertArrayEquals(bf16Reference, forward(bf16));
            assertArrayEquals(f16Reference, forward(f16));
        } finally {
            values.putAll(exact);
        }
    }

    private static float[] round(float[] v, SafetensorsDtype dtype) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            int bits = dtype.encode(v[i]);
            out[i] = dtype == SafetensorsDtype.BF16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat((short) bits);
        }
        return out;
    }

    @Test
    void aMissingTensorIsNamed() throws IOException {
        Path folder = folder("missing", n -> n, SafetensorsDtype.F32, 1);
        Map<String, float[]> all = new LinkedHashMap<>(values);
        SafetensorsWriter w = new SafetensorsWriter();
        all.forEach((n, v) -> {
            if (!n.equals("blocks.1.attn2.norm_k.weight")) w.add(n, shapes.get(n), v);
        });
        w.write(folder.resolve("diffusion_pytorch_model.safetensors"));
        refused(folder, "diffusion_pytorch_model.safetensors: tensor blocks.1.attn2.norm_k.weight is missing (expected shape [24])");
    }

    @Test
    void anUnknownTensorIsNamedWithItsFile() throws IOException {
        Path folder = folder("unknown", n -> n, SafetensorsDtype.F32, 2);
        Path shard = folder.resolve("diffusion_pytorch_model-00002-of-00002.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile st = SafetensorsFile.open(shard)) {
            for (String n : st.tensors().keySet()) w.add(n, st.info(n).shape(), st.floats(n));
        }
        w.add("blocks.2.attn1.to_q.weight", new long[] {24, 24}, new float[576]);
        w.write(shard);
        String index = Files.readString(folder.resolve("diffusion_pytorch_model.safetensors.index.json"));
        Files.writeString(folder.resolve("diffusion_pytorch_model.safetensors.index.json"),
                index.replace("{\"weight_map\":{", "{\"weight_map\":{\"blocks.2.attn1.to_q.weight\":\"" + shard.getFileName() + "\","));
        refused(folder, shard.getFileName() + ": tensor blocks.2.attn1.to_q.weight is not a tensor of this Wan2.1 transformer (2 layers");
    }

    @Test
    void aWrongShapeIsNamed() throws IOException {
        Path folder = folder("shape", n -> n, SafetensorsDtype.F32, 1);
        SafetensorsWriter w = new SafetensorsWriter();
        values.forEach((n, v) -> {
            if (n.equals("proj_out.weight")) w.add(n, new long[] {24, 64}, v);
            else w.add(n, shapes.get(n), v);
        });
        w.write(folder.resolve("diffusion_pytorch_model.safetensors"));
        refused(folder, "diffusion_pytorch_model.safetensors: tensor proj_out.weight has shape [24, 64]; the config needs [64, 24]");
    }

    @Test
    void aPrefixOnSomeNamesOnlyIsRefused() throws IOException {
        Path folder = folder("mixed", n -> n.startsWith("blocks.0.") ? n : "model.diffusion_model." + n, SafetensorsDtype.F32, 1);
        refused(folder, "lacks the model.diffusion_model. prefix the other tensors have");
    }

    @Test
    void aConfigThatDisagreesWithTheWeightsIsRefusedBeforeAnySession() throws IOException {
        Path folder = folder("layers", n -> n, SafetensorsDtype.F32, 1);
        Files.writeString(folder.resolve("config.json"), config.replace("\"num_layers\": 2", "\"num_layers\": 3"));
        refused(folder, "tensor blocks.2.attn1.to_q.weight is missing");
    }

    private static void refused(Path folder, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> WanTransformer.open(folder, new Pipeline.Options(1, null)).close());
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
        assertFalse(e.getMessage().contains("\n"));
    }
}
