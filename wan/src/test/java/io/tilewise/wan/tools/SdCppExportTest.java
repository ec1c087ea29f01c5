package io.tilewise.wan.tools;

import io.tilewise.pipeline.model.SafetensorsFile;
import io.tilewise.wan.fixtures.SafetensorsBytes;
import io.tilewise.wan.fixtures.SafetensorsBytes.Stored;
import io.tilewise.wan.fixtures.WanPipelineFixtures;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SdCppExport} on the tiny random pipeline: the written files are read back with the fixtures' own
 * safetensors reader, every source tensor must appear exactly once (matched by shape and fp16-rounded values, not by
 * the name mapping under test), and names are checked against pairs copied by hand from diffusers'
 * {@code scripts/convert_wan_to_diffusers.py}.
 */
class SdCppExportTest {

    @TempDir
    Path tmp;

    /** diffusers name → original Wan name, from the conversion script's rename tables (tiny: 2 blocks). */
    private static final Map<String, String> TRANSFORMER_PAIRS = Map.ofEntries(
            Map.entry("patch_embedding.weight", "patch_embedding.weight"),
            Map.entry("condition_embedder.time_embedder.linear_1.weight", "time_embedding.0.weight"),
            Map.entry("condition_embedder.time_embedder.linear_2.bias", "time_embedding.2.bias"),
            Map.entry("condition_embedder.text_embedder.linear_1.weight", "text_embedding.0.weight"),
            Map.entry("condition_embedder.text_embedder.linear_2.bias", "text_embedding.2.bias"),
            Map.entry("condition_embedder.time_proj.weight", "time_projection.1.weight"),
            Map.entry("scale_shift_table", "head.modulation"),
            Map.entry("proj_out.weight", "head.head.weight"),
            Map.entry("proj_out.bias", "head.head.bias"),
            Map.entry("blocks.1.scale_shift_table", "blocks.1.modulation"),
            Map.entry("blocks.0.attn1.to_q.weight", "blocks.0.self_attn.q.weight"),
            Map.entry("blocks.1.attn1.to_out.0.bias", "blocks.1.self_attn.o.bias"),
            Map.entry("blocks.0.attn1.norm_k.weight", "blocks.0.self_attn.norm_k.weight"),
            Map.entry("blocks.1.attn2.to_v.weight", "blocks.1.cross_attn.v.weight"),
            Map.entry("blocks.0.attn2.norm_q.weight", "blocks.0.cross_attn.norm_q.weight"),
            Map.entry("blocks.0.norm2.weight", "blocks.0.norm3.weight"),
            Map.entry("blocks.1.norm2.bias", "blocks.1.norm3.bias"),
            Map.entry("blocks.0.ffn.net.0.proj.weight", "blocks.0.ffn.0.weight"),
            Map.entry("blocks.1.ffn.net.2.bias", "blocks.1.ffn.2.bias"));

    /** UMT5: the ComfyUI file and sd.cpp keep transformers' names. */
    private static final Map<String, String> TEXT_PAIRS = Map.of(
            "shared.weight", "shared.weight",
            "encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight",
            "encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight",
            "encoder.block.0.layer.1.DenseReluDense.wi_1.weight", "encoder.block.0.layer.1.DenseReluDense.wi_1.weight",
            "encoder.final_layer_norm.weight", "encoder.final_layer_norm.weight");

    /**
     * VAE pairs for the tiny decoder (1 residual block per stage, so 2 resnets then the upsampler: the script's
     * grouping of upsamples 0-2 / 4-6 / 8-10 / 12-14 with 3 / 7 / 11 as upsamplers, at this depth).
     */
    private static final Map<String, String> TINY_VAE_PAIRS = Map.ofEntries(
            Map.entry("post_quant_conv.weight", "conv2.weight"),
            Map.entry("decoder.conv_in.bias", "decoder.conv1.bias"),
            Map.entry("decoder.mid_block.resnets.0.norm1.gamma", "decoder.middle.0.residual.0.gamma"),
            Map.entry("decoder.mid_block.attentions.0.to_qkv.weight", "decoder.middle.1.to_qkv.weight"),
            Map.entry("decoder.mid_block.resnets.1.conv2.weight", "decoder.middle.2.residual.6.weight"),
            Map.entry("decoder.up_blocks.0.resnets.1.conv1.weight", "decoder.upsamples.1.residual.2.weight"),
            Map.entry("decoder.up_blocks.0.upsamplers.0.time_conv.weight", "decoder.upsamples.2.time_conv.weight"),
            Map.entry("decoder.up_blocks.1.resnets.0.conv_shortcut.weight", "decoder.upsamples.3.shortcut.weight"),
            Map.entry("decoder.up_blocks.2.upsamplers.0.resample.1.bias", "decoder.upsamples.8.resample.1.bias"),
            Map.entry("decoder.up_blocks.3.resnets.1.norm2.gamma", "decoder.upsamples.10.residual.3.gamma"),
            Map.entry("decoder.norm_out.gamma", "decoder.head.0.gamma"),
            Map.entry("decoder.conv_out.weight", "decoder.head.2.weight"));

    @Test
    void everyTensorIsWrittenOnceUnderItsOriginalNameWithItsFp16Values() throws Exception {
        Path pipe = tmp.resolve("pipe");
        WanPipelineFixtures.write(pipe, 11);
        Path out = tmp.resolve("out");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(0, SdCppExport.run(new String[] {pipe.toString(), out.toString()}, new PrintStream(log),
                new PrintStream(new ByteArrayOutputStream())));

        checkPart(pipe.resolve("transformer/diffusion_pytorch_model.safetensors"),
                out.resolve(SdCppExport.TRANSFORMER_FILE), TRANSFORMER_PAIRS, false);
        checkPart(pipe.resolve("text_encoder/model.safetensors"), out.resolve(SdCppExport.TEXT_ENCODER_FILE),
                TEXT_PAIRS, false);
        checkPart(pipe.resolve("vae/diffusion_pytorch_model.safetensors"), out.resolve(SdCppExport.VAE_FILE),
                TINY_VAE_PAIRS, true);
        assertEquals(3, log.toString(StandardCharsets.UTF_8).lines().count());
    }

    /**
     * Source and written tensors are equal as multisets of (shape, values rounded to fp16); the written file is all
     * F16; the known pairs hold by name. With {@code zeroEncoder}, the extra written tensors are the VAE encoder
     * (names {@code encoder.*} and {@code conv1.*}) and are all zero.
     */
    private static void checkPart(Path source, Path written, Map<String, String> pairs, boolean zeroEncoder)
            throws Exception {
        Map<String, Stored> src = SafetensorsBytes.read(source);
        Map<String, Stored> dst = SafetensorsBytes.read(written);
        Map<String, Integer> counts = new HashMap<>();
        for (Stored s : src.values()) counts.merge(key(s.shape(), fp16(s.values())), 1, Integer::sum);
        int extra = 0;
        for (Map.Entry<String, Stored> e : dst.entrySet()) {
            assertEquals("F16", e.getValue().dtype(), e.getKey());
            String k = key(e.getValue().shape(), e.getValue().values());
            Integer left = counts.get(k);
            if (left != null && left > 0) {
                counts.put(k, left - 1);
                continue;
            }
            assertTrue(zeroEncoder, written.getFileName() + ": " + e.getKey() + " matches no source tensor");
            assertTrue(e.getKey().startsWith("encoder.") || e.getKey().startsWith("conv1."), e.getKey());
            for (double v : e.getValue().values()) assertEquals(0.0, v, e.getKey());
            extra++;
        }
        counts.forEach((k, n) -> assertEquals(0, n, written.getFileName() + ": a source tensor was not written"));
        assertEquals(src.size() + extra, dst.size());
        if (zeroEncoder) assertTrue(extra > 0);
        for (Map.Entry<String, String> p : pairs.entrySet()) {
            Stored s = src.get(p.getKey());
            Stored d = dst.get(p.getValue());
            assertTrue(s != null && d != null, p.getKey() + " → " + p.getValue());
            assertArrayEquals(s.shape(), d.shape(), p.getValue());
            assertArrayEquals(fp16(s.values()), d.values(), p.getValue());
        }
    }

    private static double[] fp16(double[] v) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = Float.float16ToFloat(Float.floatToFloat16((float) v[i]));
        return r;
    }

    private static String key(long[] shape, double[] values) {
        return Arrays.toString(shape) + Arrays.toString(values);
    }

    @Test
    void wan21VaeNamesFollowTheConversionScript() {
        // (original, diffusers) pairs from convert_vae() for the release VAE (2 residual blocks: 3 resnets a stage)
        Map<String, String> pairs = new LinkedHashMap<>();
        pairs.put("conv1.weight", "quant_conv.weight");
        pairs.put("conv2.bias", "post_quant_conv.bias");
        pairs.put("encoder.conv1.weight", "encoder.conv_in.weight");
        pairs.put("encoder.downsamples.0.residual.0.gamma", "encoder.down_blocks.0.norm1.gamma");
        pairs.put("encoder.downsamples.3.shortcut.weight", "encoder.down_blocks.3.conv_shortcut.weight");
        pairs.put("encoder.downsamples.5.time_conv.bias", "encoder.down_blocks.5.time_conv.bias");
        pairs.put("encoder.downsamples.8.resample.1.weight", "encoder.down_blocks.8.resample.1.weight");
        pairs.put("encoder.middle.1.proj.bias", "encoder.mid_block.attentions.0.proj.bias");
        pairs.put("encoder.middle.2.residual.3.gamma", "encoder.mid_block.resnets.1.norm2.gamma");
        pairs.put("encoder.head.2.weight", "encoder.conv_out.weight");
        pairs.put("decoder.upsamples.2.residual.6.bias", "decoder.up_blocks.0.resnets.2.conv2.bias");
        pairs.put("decoder.upsamples.3.resample.1.weight", "decoder.up_blocks.0.upsamplers.0.resample.1.weight");
        pairs.put("decoder.upsamples.4.shortcut.weight", "decoder.up_blocks.1.resnets.0.conv_shortcut.weight");
        pairs.put("decoder.upsamples.7.time_conv.weight", "decoder.up_blocks.1.upsamplers.0.time_conv.weight");
        pairs.put("decoder.upsamples.11.resample.1.bias", "decoder.up_blocks.2.upsamplers.0.resample.1.bias");
        pairs.put("decoder.upsamples.12.residual.2.weight", "decoder.up_blocks.3.resnets.0.conv1.weight");
        pairs.put("decoder.upsamples.14.residual.0.gamma", "decoder.up_blocks.3.resnets.2.norm1.gamma");
        pairs.put("decoder.head.0.gamma", "decoder.norm_out.gamma");
        pairs.forEach((original, diffusers) -> assertEquals(original, SdCppNames.vae(diffusers, 2), diffusers));
        assertThrows(IllegalArgumentException.class, () -> SdCppNames.vae("decoder.up_blocks.0.resnets.3.conv1.weight", 2));
        assertThrows(IllegalArgumentException.class, () -> SdCppNames.vae("latents_mean", 2));
        assertNull(SdCppNames.textEncoder("encoder.embed_tokens.weight"));
        assertThrows(IllegalArgumentException.class, () -> SdCppNames.textEncoder("decoder.block.0.layer.0.SelfAttention.q.weight"));
    }

    @Test
    void wan21EncoderPlaceholdersHaveTheReleaseShapes() {
        Map<String, long[]> s = SdCppNames.vaeEncoderShapes(96, 16, new int[] {1, 2, 4, 4}, 2, new boolean[] {false, true, true});
        // shapes of Wan2.1_VAE.pth: 3 → 96 → 192 → 384 channels, z 16 (mean and log-variance: 32)
        assertArrayEquals(new long[] {96, 3, 3, 3, 3}, s.get("encoder.conv1.weight"));
        assertArrayEquals(new long[] {96, 96, 3, 3}, s.get("encoder.downsamples.2.resample.1.weight"));
        assertNull(s.get("encoder.downsamples.2.time_conv.weight"));
        assertArrayEquals(new long[] {192, 96, 1, 1, 1}, s.get("encoder.downsamples.3.shortcut.weight"));
        assertArrayEquals(new long[] {192, 192, 3, 1, 1}, s.get("encoder.downsamples.5.time_conv.weight"));
        assertArrayEquals(new long[] {384, 192, 3, 3, 3}, s.get("encoder.downsamples.6.residual.2.weight"));
        assertArrayEquals(new long[] {384, 384, 3, 1, 1}, s.get("encoder.downsamples.8.time_conv.weight"));
        assertArrayEquals(new long[] {384, 1, 1, 1}, s.get("encoder.downsamples.10.residual.3.gamma"));
        assertNull(s.get("encoder.downsamples.11.residual.0.gamma"));
        assertArrayEquals(new long[] {1152, 384, 1, 1}, s.get("encoder.middle.1.to_qkv.weight"));
        assertArrayEquals(new long[] {384, 1, 1}, s.get("encoder.middle.1.norm.gamma"));
        assertArrayEquals(new long[] {32, 384, 3, 3, 3}, s.get("encoder.head.2.weight"));
        assertArrayEquals(new long[] {32, 32, 1, 1, 1}, s.get("conv1.weight"));
        assertArrayEquals(new long[] {32}, s.get("conv1.bias"));
    }

    @Test
    void fp16RoundingIsCountedAndAnOverflowLeavesNoFile() throws Exception {
        Path src = tmp.resolve("src.safetensors");
        Map<String, Stored> t = new LinkedHashMap<>();
        // 1e-7 is an fp16 subnormal (spacing 2^-24 ≈ 6e-8): stored inexactly; 65504 is fp16's largest finite value
        t.put("ok", new Stored("F32", new long[] {4}, new double[] {1.0, 1e-7, 65504, -0.375}));
        t.put("big", new Stored("F32", new long[] {2}, new double[] {0.5, 70000}));
        SafetensorsBytes.write(src, t);
        try (SafetensorsFile f = SafetensorsFile.open(src)) {
            Path good = tmp.resolve("good.safetensors");
            var report = Fp16SafetensorsWriter.write(good, List.of(new Fp16SafetensorsWriter.Entry("renamed", new long[] {2, 2}, f, "ok"),
                    Fp16SafetensorsWriter.Entry.zeros("z", new long[] {3})));
            assertEquals(1, report.inexact());
            assertEquals(1, report.placeholders());
            assertEquals(7, report.values());
            double stored = Float.float16ToFloat(Float.floatToFloat16(1e-7f));
            assertEquals(Math.abs(stored - (double) 1e-7f), report.maxAbsError(), 1e-15);
            Map<String, Stored> back = SafetensorsBytes.read(good);
            assertArrayEquals(new double[] {1.0, stored, 65504, -0.375}, back.get("renamed").values());
            assertArrayEquals(new long[] {2, 2}, back.get("renamed").shape());
            assertArrayEquals(new double[3], back.get("z").values());

            Path bad = tmp.resolve("bad.safetensors");
            var e = assertThrows(Fp16SafetensorsWriter.OutOfRangeException.class, () -> Fp16SafetensorsWriter.write(bad,
                    List.of(new Fp16SafetensorsWriter.Entry("b", new long[] {2}, f, "big"))));
            assertTrue(e.getMessage().contains("big [element 1] is 70000.0"), e.getMessage());
            assertFalse(Files.exists(bad));
            try (var files = Files.list(tmp)) {
                assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".part")));
            }
        }
    }

    @Test
    void badArgumentsGiveOneLineAndExitCode2() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, SdCppExport.run(new String[] {"only-one"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)));
        assertEquals("SdCppExport: expected 2 arguments, got 1; usage: SdCppExport PIPELINE_DIR OUT_DIR",
                err.toString(StandardCharsets.UTF_8).strip());

        err.reset();
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(2, SdCppExport.run(new String[] {empty.toString(), tmp.resolve("o").toString()},
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)));
        String line = err.toString(StandardCharsets.UTF_8).strip();
        assertEquals(1, line.lines().count());
        assertTrue(line.contains("has no transformer/ folder"), line);
        assertFalse(Files.exists(tmp.resolve("o")));
    }
}
