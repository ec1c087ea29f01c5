package io.tilewise.wan.transformer;

import io.tilewise.pipeline.model.ModelFormatException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** config.json of the transformer: diffusers' defaults, the released sizes, and every unsupported field refused by name. */
class WanConfigTest {

    private static final String T2V_1_3B = "{\"_class_name\": \"WanTransformer3DModel\", \"_diffusers_version\": \"0.33.0\","
            + " \"added_kv_proj_dim\": null, \"attention_head_dim\": 128, \"cross_attn_norm\": true, \"eps\": 1e-06,"
            + " \"ffn_dim\": 8960, \"freq_dim\": 256, \"image_dim\": null, \"in_channels\": 16, \"num_attention_heads\": 12,"
            + " \"num_layers\": 30, \"out_channels\": 16, \"patch_size\": [1, 2, 2], \"pos_embed_seq_len\": null,"
            + " \"qk_norm\": \"rms_norm_across_heads\", \"rope_max_seq_len\": 1024, \"text_dim\": 4096}";

    @Test
    void readsTheReleased13BConfig() {
        WanConfig c = WanConfig.parse(T2V_1_3B);
        assertEquals(1536, c.dim());
        assertEquals(30, c.layers());
        assertEquals(8960, c.ffnDim());
        assertArrayEquals(new int[] {1, 2, 2}, c.patch());
        assertEquals(64, c.patchIn());
        assertArrayEquals(new int[] {44, 42, 42}, c.ropeAxes(), "diffusers: h = w = 2·(128 // 6) = 42, t = 128 − 84");
        assertEquals(1e-6f, c.eps());
    }

    @Test
    void absentFieldsTakeDiffusersDefaultsThe14BSizes() {
        WanConfig c = WanConfig.parse("{\"_class_name\": \"WanTransformer3DModel\"}");
        assertEquals(5120, c.dim());
        assertEquals(40, c.heads());
        assertEquals(40, c.layers());
        assertEquals(13824, c.ffnDim());
        assertEquals(4096, c.textDim());
        assertEquals(16, c.outChannels());
        assertTrue(c.crossAttnNorm());
        assertArrayEquals(new int[] {4, 4, 4}, WanConfig.parse(T2V_1_3B.replace("\"attention_head_dim\": 128",
                "\"attention_head_dim\": 12")).ropeAxes(), "the diffusers test config: head dim 12 → 4, 4, 4");
    }

    @Test
    void imageToVideoAndWan22FieldsAreRefusedByName() {
        refused(T2V_1_3B.replace("\"image_dim\": null", "\"image_dim\": 1280"), "image_dim is 1280");
        refused(T2V_1_3B.replace("\"added_kv_proj_dim\": null", "\"added_kv_proj_dim\": 5120"), "added_kv_proj_dim is 5120");
        refused(T2V_1_3B.replace("\"pos_embed_seq_len\": null", "\"pos_embed_seq_len\": 514"), "pos_embed_seq_len is 514");
        refused(T2V_1_3B.replace("}", ", \"expand_timesteps\": true}"), "field expand_timesteps is not part of the Wan2.1 transformer config");
        refused(T2V_1_3B.replace("\"rms_norm_across_heads\"", "\"rms_norm\""), "qk_norm is \"rms_norm\"");
    }

    @Test
    void otherClassesAndBadSizesAreRefused() {
        refused(T2V_1_3B.replace("WanTransformer3DModel", "WanVACETransformer3DModel"),
                "_class_name is \"WanVACETransformer3DModel\"; expected \"WanTransformer3DModel\"");
        refused(T2V_1_3B.replace("[1, 2, 2]", "[2, 2]"), "patch_size must have 3 entries");
        refused(T2V_1_3B.replace("\"attention_head_dim\": 128", "\"attention_head_dim\": 127"), "attention_head_dim 127 must be even");
        refused(T2V_1_3B.replace("\"num_layers\": 30", "\"num_layers\": 0"), "num_layers 0 must be in 1..1024");
        refused(T2V_1_3B.replace("\"eps\": 1e-06", "\"eps\": \"small\""), "eps must be a number");
        refused("[1, 2]", "must be a JSON object");
        refused("{", "is not valid JSON");
    }

    private static void refused(String json, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> WanConfig.parse(json));
        assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
