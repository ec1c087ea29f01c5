package io.tilewise.wan.tools;

import io.tilewise.wan.fixtures.WanCheckpointFixtures;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tensor names of a diffusers Wan2.1 pipeline in the layouts stable-diffusion.cpp reads: the original Wan names of
 * the ComfyUI-repackaged single files ({@code wan2.1_t2v_1.3B_fp16.safetensors}, {@code umt5_xxl_fp16.safetensors},
 * {@code wan_2.1_vae.safetensors}). The transformer and VAE tables invert the renames of diffusers'
 * {@code scripts/convert_wan_to_diffusers.py}; the UMT5 encoder keeps transformers' names, which is what both the
 * ComfyUI file and sd.cpp's T5 loader use. No tensor changes shape in any of the three.
 */
public final class SdCppNames {

    private static final Pattern UMT5 = Pattern.compile(
            "shared\\.weight|encoder\\.final_layer_norm\\.weight|encoder\\.block\\.\\d+\\.layer\\.(0\\.(SelfAttention\\.("
                    + "[qkvo]|relative_attention_bias)|layer_norm)|1\\.(DenseReluDense\\.(wi_0|wi_1|wo)|layer_norm))\\.weight");
    private static final Pattern MID_RESNET = Pattern.compile("mid_block\\.resnets\\.(\\d+)\\.(.*)");
    private static final Pattern DOWN_BLOCK = Pattern.compile("down_blocks\\.(\\d+)\\.(.*)");
    private static final Pattern UP_RESNET = Pattern.compile("up_blocks\\.(\\d+)\\.resnets\\.(\\d+)\\.(.*)");
    private static final Pattern UP_SAMPLER = Pattern.compile("up_blocks\\.(\\d+)\\.upsamplers\\.0\\.(.*)");

    private SdCppNames() {
    }

    /** The original Wan name of a T2V transformer tensor ({@code blocks.0.attn1.to_q.weight → blocks.0.self_attn.q.weight}). */
    public static String transformer(String diffusersName) {
        return WanCheckpointFixtures.originalName(diffusersName);
    }

    /**
     * The name sd.cpp reads for a {@code UMT5EncoderModel} tensor: the same name, or {@code null} for
     * {@code encoder.embed_tokens.weight}, which transformers ties to {@code shared.weight} (a second copy sd.cpp
     * would only report as unknown).
     *
     * @throws IllegalArgumentException for a name that is not part of a UMT5 encoder
     */
    public static String textEncoder(String name) {
        if (name.equals("encoder.embed_tokens.weight")) return null;
        if (!UMT5.matcher(name).matches()) throw new IllegalArgumentException("not a UMT5 encoder tensor: " + name);
        return name;
    }

    /**
     * The original Wan2.1 VAE name of an {@code AutoencoderKLWan} tensor. The decoder's up blocks are flattened as the
     * original numbers them: each stage's {@code numResBlocks + 1} residual blocks, then its upsampler.
     *
     * @throws IllegalArgumentException for a name outside that layout
     */
    public static String vae(String name, int numResBlocks) {
        if (name.startsWith("quant_conv.")) return "conv1." + name.substring("quant_conv.".length());
        if (name.startsWith("post_quant_conv.")) return "conv2." + name.substring("post_quant_conv.".length());
        String side = name.startsWith("encoder.") ? "encoder." : name.startsWith("decoder.") ? "decoder." : null;
        if (side == null) throw unknownVae(name);
        String r = name.substring(side.length());
        String[][] fixed = {{"conv_in.", "conv1."}, {"norm_out.", "head.0."}, {"conv_out.", "head.2."},
                {"mid_block.attentions.0.", "middle.1."}};
        for (String[] f : fixed) if (r.startsWith(f[0])) return side + f[1] + r.substring(f[0].length());
        Matcher m = MID_RESNET.matcher(r);
        if (m.matches()) {
            int k = Integer.parseInt(m.group(1));
            if (k > 1) throw unknownVae(name);
            return side + "middle." + 2 * k + "." + residual(m.group(2), name);
        }
        if (side.equals("encoder.")) {
            m = DOWN_BLOCK.matcher(r);
            if (!m.matches()) throw unknownVae(name);
            String rest = m.group(2);
            boolean resample = rest.startsWith("resample.") || rest.startsWith("time_conv.");
            return "encoder.downsamples." + m.group(1) + "." + (resample ? rest : residual(rest, name));
        }
        int stride = numResBlocks + 2;
        m = UP_RESNET.matcher(r);
        if (m.matches()) {
            int j = Integer.parseInt(m.group(2));
            if (j > numResBlocks) throw unknownVae(name);
            return "decoder.upsamples." + (Integer.parseInt(m.group(1)) * stride + j) + "." + residual(m.group(3), name);
        }
        m = UP_SAMPLER.matcher(r);
        if (m.matches()) {
            return "decoder.upsamples." + (Integer.parseInt(m.group(1)) * stride + numResBlocks + 1) + "." + m.group(2);
        }
        throw unknownVae(name);
    }

    /**
     * The encoder half of the original Wan2.1 VAE ({@code encoder.*} and the {@code conv1} quant conv), by name and
     * torch shape, in the order the original builds it. sd.cpp builds the encoder even for text-to-video and refuses a
     * VAE file without it; {@link SdCppExport} fills these with zeros when the pipeline folder holds a decode-only VAE.
     */
    public static Map<String, long[]> vaeEncoderShapes(int baseDim, int zDim, int[] dimMult, int numResBlocks,
                                                        boolean[] temporalDownsample) {
        Map<String, long[]> s = new LinkedHashMap<>();
        long[] dims = new long[dimMult.length + 1];
        dims[0] = baseDim;
        for (int i = 0; i < dimMult.length; i++) dims[i + 1] = (long) baseDim * dimMult[i];
        conv(s, "encoder.conv1", dims[0], 3, 3, 3, 3);
        int index = 0;
        long out = dims[0];
        for (int i = 0; i < dimMult.length; i++) {
            long in = dims[i];
            out = dims[i + 1];
            for (int j = 0; j < numResBlocks; j++) {
                residualBlock(s, "encoder.downsamples." + index++, in, out);
                in = out;
            }
            if (i != dimMult.length - 1) {
                String p = "encoder.downsamples." + index++;
                conv(s, p + ".resample.1", out, out, 3, 3);
                if (temporalDownsample[i]) conv(s, p + ".time_conv", out, out, 3, 1, 1);
            }
        }
        residualBlock(s, "encoder.middle.0", out, out);
        s.put("encoder.middle.1.norm.gamma", new long[] {out, 1, 1});
        conv(s, "encoder.middle.1.to_qkv", out * 3, out, 1, 1);
        conv(s, "encoder.middle.1.proj", out, out, 1, 1);
        residualBlock(s, "encoder.middle.2", out, out);
        s.put("encoder.head.0.gamma", new long[] {out, 1, 1, 1});
        conv(s, "encoder.head.2", 2L * zDim, out, 3, 3, 3);
        conv(s, "conv1", 2L * zDim, 2L * zDim, 1, 1, 1);
        return s;
    }

    private static void residualBlock(Map<String, long[]> s, String p, long in, long out) {
        s.put(p + ".residual.0.gamma", new long[] {in, 1, 1, 1});
        conv(s, p + ".residual.2", out, in, 3, 3, 3);
        s.put(p + ".residual.3.gamma", new long[] {out, 1, 1, 1});
        conv(s, p + ".residual.6", out, out, 3, 3, 3);
        if (in != out) conv(s, p + ".shortcut", out, in, 1, 1, 1);
    }

    private static void conv(Map<String, long[]> s, String p, long out, long in, long... kernel) {
        long[] shape = new long[2 + kernel.length];
        shape[0] = out;
        shape[1] = in;
        System.arraycopy(kernel, 0, shape, 2, kernel.length);
        s.put(p + ".weight", shape);
        s.put(p + ".bias", new long[] {out});
    }

    private static String residual(String rest, String name) {
        String[][] parts = {{"norm1.", "residual.0."}, {"conv1.", "residual.2."}, {"norm2.", "residual.3."},
                {"conv2.", "residual.6."}, {"conv_shortcut.", "shortcut."}};
        for (String[] p : parts) if (rest.startsWith(p[0])) return p[1] + rest.substring(p[0].length());
        throw unknownVae(name);
    }

    private static IllegalArgumentException unknownVae(String name) {
        return new IllegalArgumentException("not a Wan2.1 VAE tensor: " + name);
    }
}
