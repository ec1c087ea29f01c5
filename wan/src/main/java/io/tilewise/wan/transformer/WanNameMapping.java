package io.tilewise.wan.transformer;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The original Wan2.1 release's tensor names (as in its {@code .safetensors} files and the single files used with
 * ComfyUI, optionally under {@code model.diffusion_model.}) mapped to diffusers' names — the renaming of diffusers'
 * {@code scripts/convert_wan_to_diffusers.py}, written here as one rule per name form. Note the norms: the original
 * block calls its affine cross-attention norm {@code norm3}, which diffusers calls {@code norm2}.
 */
public final class WanNameMapping {

    /** The prefix some single-file checkpoints put before every name. */
    public static final String COMFY_PREFIX = "model.diffusion_model.";

    private record Rule(Pattern original, String diffusers) {
    }

    private static final List<Rule> RULES = List.of(
            rule("patch_embedding\\.(weight|bias)", "patch_embedding.$1"),
            rule("time_embedding\\.0\\.(weight|bias)", "condition_embedder.time_embedder.linear_1.$1"),
            rule("time_embedding\\.2\\.(weight|bias)", "condition_embedder.time_embedder.linear_2.$1"),
            rule("time_projection\\.1\\.(weight|bias)", "condition_embedder.time_proj.$1"),
            rule("text_embedding\\.0\\.(weight|bias)", "condition_embedder.text_embedder.linear_1.$1"),
            rule("text_embedding\\.2\\.(weight|bias)", "condition_embedder.text_embedder.linear_2.$1"),
            rule("head\\.modulation", "scale_shift_table"),
            rule("head\\.head\\.(weight|bias)", "proj_out.$1"),
            rule("blocks\\.(\\d+)\\.modulation", "blocks.$1.scale_shift_table"),
            rule("blocks\\.(\\d+)\\.self_attn\\.([qkv])\\.(weight|bias)", "blocks.$1.attn1.to_$2.$3"),
            rule("blocks\\.(\\d+)\\.self_attn\\.o\\.(weight|bias)", "blocks.$1.attn1.to_out.0.$2"),
            rule("blocks\\.(\\d+)\\.self_attn\\.norm_([qk])\\.weight", "blocks.$1.attn1.norm_$2.weight"),
            rule("blocks\\.(\\d+)\\.cross_attn\\.([qkv])\\.(weight|bias)", "blocks.$1.attn2.to_$2.$3"),
            rule("blocks\\.(\\d+)\\.cross_attn\\.o\\.(weight|bias)", "blocks.$1.attn2.to_out.0.$2"),
            rule("blocks\\.(\\d+)\\.cross_attn\\.norm_([qk])\\.weight", "blocks.$1.attn2.norm_$2.weight"),
            rule("blocks\\.(\\d+)\\.norm3\\.(weight|bias)", "blocks.$1.norm2.$2"),
            rule("blocks\\.(\\d+)\\.ffn\\.0\\.(weight|bias)", "blocks.$1.ffn.net.0.proj.$2"),
            rule("blocks\\.(\\d+)\\.ffn\\.2\\.(weight|bias)", "blocks.$1.ffn.net.2.$2"));

    private WanNameMapping() {
    }

    /** Diffusers' name of original name {@code name} (without prefix), or {@code null} when no rule matches. */
    public static String toDiffusers(String name) {
        for (Rule r : RULES) {
            Matcher m = r.original().matcher(name);
            if (m.matches()) return m.replaceFirst(r.diffusers());
        }
        return null;
    }

    /**
     * Whether a set of (prefix-stripped) names is in the original layout: it has the original head or a block's
     * {@code self_attn}, names diffusers never uses.
     */
    public static boolean isOriginal(Iterable<String> names) {
        for (String n : names) {
            if (n.equals("head.head.weight") || n.contains(".self_attn.") || n.startsWith("time_embedding.")) return true;
        }
        return false;
    }

    private static Rule rule(String original, String diffusers) {
        return new Rule(Pattern.compile(original), diffusers);
    }
}
