package io.tilewise.wan.transformer;

import io.tilewise.attention.io.UserFiles;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.ModelFormatException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The {@code config.json} of a diffusers {@code WanTransformer3DModel}, validated for the Wan2.1 text-to-video path.
 *
 * <p>Fields absent from the file take diffusers' defaults (the 14B model's sizes). Refused by name, never ignored:
 * another {@code _class_name}; the image-to-video fields {@code image_dim}, {@code added_kv_proj_dim},
 * {@code pos_embed_seq_len} when set; a {@code qk_norm} other than {@code rms_norm_across_heads}; any field this
 * class does not know (a newer architecture must not load as if it were this one). Sizes must be positive, the head
 * dim even (RoPE rotates pairs), and {@code patch_size} three integers.
 *
 * @param patch           (t, h, w) patch of the Conv3d patch embedding
 * @param heads           attention heads
 * @param headDim         channels per head; the model width is {@code heads · headDim}
 * @param inChannels      latent channels in
 * @param outChannels     latent channels out
 * @param textDim         width of the text encoder's states
 * @param freqDim         width of the sinusoidal timestep embedding
 * @param ffnDim          feed-forward hidden width
 * @param layers          transformer blocks
 * @param crossAttnNorm   whether the cross-attention input has an affine layer norm ({@code norm2})
 * @param eps             epsilon of every norm
 * @param ropeMaxSeqLen   largest position on any grid axis RoPE covers
 */
public record WanConfig(int[] patch, int heads, int headDim, int inChannels, int outChannels, int textDim, int freqDim,
                        int ffnDim, int layers, boolean crossAttnNorm, float eps, int ropeMaxSeqLen) {

    public static final String CLASS_NAME = "WanTransformer3DModel";
    private static final long MAX_FILE_BYTES = 1 << 20;
    private static final int MAX_SIZE = 1 << 16;
    private static final Set<String> KNOWN = Set.of("patch_size", "num_attention_heads", "attention_head_dim",
            "in_channels", "out_channels", "text_dim", "freq_dim", "ffn_dim", "num_layers", "cross_attn_norm", "qk_norm",
            "eps", "image_dim", "added_kv_proj_dim", "rope_max_seq_len", "pos_embed_seq_len");
    private static final Map<String, String> IMAGE_FIELDS = Map.of(
            "image_dim", "an image embedder (image-to-video)",
            "added_kv_proj_dim", "added key/value projections for image tokens (image-to-video)",
            "pos_embed_seq_len", "image position embeddings (first-last-frame-to-video)");

    public WanConfig {
        patch = patch.clone();
        if (patch.length != 3) throw bad("patch_size must have 3 entries (t, h, w), got " + patch.length);
        for (int p : patch) bounded("patch_size entry", p, 1, 64);
        bounded("num_attention_heads", heads, 1, 1024);
        bounded("attention_head_dim", headDim, 2, 4096);
        if (headDim % 2 != 0) throw bad("attention_head_dim " + headDim + " must be even (RoPE rotates channel pairs)");
        bounded("in_channels", inChannels, 1, 4096);
        bounded("out_channels", outChannels, 1, 4096);
        bounded("text_dim", textDim, 1, MAX_SIZE);
        bounded("freq_dim", freqDim, 2, MAX_SIZE);
        if (freqDim % 2 != 0) throw bad("freq_dim " + freqDim + " must be even (sin and cos halves)");
        bounded("ffn_dim", ffnDim, 1, 1 << 18);
        bounded("num_layers", layers, 1, 1024);
        bounded("rope_max_seq_len", ropeMaxSeqLen, 1, 1 << 20);
        if (!(eps > 0) || !Float.isFinite(eps)) throw bad("eps " + eps + " must be a positive number");
        if ((long) heads * headDim > MAX_SIZE) throw bad("width heads·head_dim = " + (long) heads * headDim + " is over " + MAX_SIZE);
    }

    @Override
    public int[] patch() {
        return patch.clone();
    }

    /** The model width {@code heads · headDim}. */
    public int dim() {
        return heads * headDim;
    }

    /** Values per patch: {@code inChannels · pt · ph · pw} in, {@code outChannels · pt · ph · pw} out. */
    public int patchIn() {
        return inChannels * patch[0] * patch[1] * patch[2];
    }

    public int patchOut() {
        return outChannels * patch[0] * patch[1] * patch[2];
    }

    /** Head-dim channels of RoPE's (frame, height, width) parts, as diffusers splits them: h = w = 2·(hd / 6). */
    public int[] ropeAxes() {
        int hw = 2 * (headDim / 6);
        return new int[] {headDim - 2 * hw, hw, hw};
    }

    /** Reads and validates {@code file}; errors name the file and the field. */
    public static WanConfig read(Path file) {
        String json;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) throw bad(file, "is larger than " + MAX_FILE_BYTES + " bytes");
            json = UserFiles.readUtf8(file, "transformer config", MAX_FILE_BYTES);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + ": does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return parse(json);
        } catch (ModelFormatException e) {
            throw new ModelFormatException(file.getParent() == null ? file + ": " + e.getMessage()
                    : file.getParent().getFileName() + "/" + e.getMessage(), e);
        }
    }

    /** Parses the JSON text of a config (messages start with {@code config.json:}). */
    public static WanConfig parse(String json) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw bad("is not valid JSON: " + e.getOriginalMessage().replace('\n', ' '));
        }
        if (root == null || !root.isObject()) throw bad("must be a JSON object");
        JsonNode cls = root.get("_class_name");
        if (cls == null || !CLASS_NAME.equals(cls.asText())) {
            throw bad("_class_name is " + (cls == null ? "missing" : cls.toString()) + "; expected \"" + CLASS_NAME
                    + "\" (a Wan2.1 transformer folder)");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (field.startsWith("_")) continue; // diffusers bookkeeping: _class_name, _diffusers_version, _name_or_path
            if (!KNOWN.contains(field)) throw bad("field " + field + " is not part of the Wan2.1 transformer config; refusing a config this loader does not understand");
        }
        for (Map.Entry<String, String> e : IMAGE_FIELDS.entrySet()) {
            JsonNode v = root.get(e.getKey());
            if (v != null && !v.isNull()) {
                throw bad(e.getKey() + " is " + v + ": " + e.getValue() + " is not supported; only text-to-video (null) is");
            }
        }
        JsonNode qk = root.get("qk_norm");
        if (qk != null && !"rms_norm_across_heads".equals(qk.asText(null))) {
            throw bad("qk_norm is " + qk + "; only \"rms_norm_across_heads\" is supported");
        }
        int[] patch = {1, 2, 2};
        JsonNode p = root.get("patch_size");
        if (p != null) {
            if (!p.isArray()) throw bad("patch_size must be a list of 3 integers, got " + p);
            patch = new int[p.size()];
            for (int i = 0; i < patch.length; i++) patch[i] = integer(p.get(i), "patch_size[" + i + "]");
        }
        int in = integer(root, "in_channels", 16);
        JsonNode out = root.get("out_channels");
        return new WanConfig(patch,
                integer(root, "num_attention_heads", 40),
                integer(root, "attention_head_dim", 128),
                in,
                out == null || out.isNull() ? in : integer(out, "out_channels"),
                integer(root, "text_dim", 4096),
                integer(root, "freq_dim", 256),
                integer(root, "ffn_dim", 13824),
                integer(root, "num_layers", 40),
                bool(root, "cross_attn_norm", true),
                (float) number(root, "eps", 1e-6),
                integer(root, "rope_max_seq_len", 1024));
    }

    private static int integer(JsonNode root, String field, int fallback) {
        JsonNode v = root.get(field);
        return v == null ? fallback : integer(v, field);
    }

    private static int integer(JsonNode v, String field) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) throw bad(field + " must be an integer, got " + v);
        return v.asInt();
    }

    private static double number(JsonNode root, String field, double fallback) {
        JsonNode v = root.get(field);
        if (v == null) return fallback;
        if (!v.isNumber()) throw bad(field + " must be a number, got " + v);
        return v.asDouble();
    }

    private static boolean bool(JsonNode root, String field, boolean fallback) {
        JsonNode v = root.get(field);
        if (v == null) return fallback;
        if (!v.isBoolean()) throw bad(field + " must be true or false, got " + v);
        return v.asBoolean();
    }

    private static void bounded(String field, int value, int min, int max) {
        if (value < min || value > max) throw bad(field + " " + value + " must be in " + min + ".." + max);
    }

    private static ModelFormatException bad(String what) {
        return new ModelFormatException("config.json: " + what);
    }

    private static ModelFormatException bad(Path file, String what) {
        return new ModelFormatException(file + ": " + what);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WanConfig c && java.util.Arrays.equals(patch, c.patch) && heads == c.heads
                && headDim == c.headDim && inChannels == c.inChannels && outChannels == c.outChannels
                && textDim == c.textDim && freqDim == c.freqDim && ffnDim == c.ffnDim && layers == c.layers
                && crossAttnNorm == c.crossAttnNorm && Float.compare(eps, c.eps) == 0 && ropeMaxSeqLen == c.ropeMaxSeqLen;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(java.util.Arrays.hashCode(patch), heads, headDim, layers, ffnDim);
    }

    @Override
    public String toString() {
        return "WanConfig[patch=" + java.util.Arrays.toString(patch) + ", heads=" + heads + ", headDim=" + headDim
                + ", in=" + inChannels + ", out=" + outChannels + ", text=" + textDim + ", freq=" + freqDim + ", ffn="
                + ffnDim + ", layers=" + layers + ", crossAttnNorm=" + crossAttnNorm + ", eps=" + eps + "]";
    }
}
