package io.tilewise.wan.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.wan.fixtures.WanVaeFixtures;
import io.tilewise.wan.transformer.WanConfig;
import io.tilewise.wan.vae.WanVaeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Wan part of a generation's memory estimate at Wan2.1-T2V-1.3B's sizes, from its configs alone. */
class WanMemoryEstimateTest {

    /** Wan2.1-T2V-1.3B-Diffusers' transformer/config.json fields. */
    private static final String CONFIG_1_3B = """
            {"_class_name": "WanTransformer3DModel", "num_attention_heads": 12, "attention_head_dim": 128,
             "in_channels": 16, "out_channels": 16, "text_dim": 4096, "freq_dim": 256, "ffn_dim": 8960, "num_layers": 30,
             "cross_attn_norm": true, "qk_norm": "rms_norm_across_heads", "eps": 1e-06, "patch_size": [1, 2, 2],
             "rope_max_seq_len": 1024, "image_dim": null, "added_kv_proj_dim": null}
            """;
    /** The release's VAE file (fp32), about 508 MB. */
    private static final long VAE_FILE = 508_000_000L;

    @TempDir
    Path dir;

    @Test
    void seventeenFramesAt480pStayUnderTheGoal() throws Exception {
        MemoryEstimate e = estimate(17, 5);
        assertTrue(e.totalBytes() < 16L << 30, e.largestParts(5));
    }

    @Test
    void anImageIsDominatedByDecodingWithTheTransformerReleased() throws Exception {
        MemoryEstimate e = estimate(1, 1);
        assertTrue(e.parts().containsKey("vae caches") && e.parts().containsKey("vae activations"), e.parts().toString());
        assertEquals(null, e.parts().get("model weights"), e.parts().toString());
        // every causal convolution's 2 carried frames, counted by hand from Wan2.1's decoder widths and resolutions
        long caches = 2L * ((16 + 4 * 384) * 6240L + (384 + 384 + 4 * 384 + 384) * 6240L
                + (192 + 384 + 4 * 384 + 384) * 24960L + (192 + 192 + 4 * 192) * 99840L + (96 + 96 + 4 * 96 + 96) * 399360L);
        assertEquals(caches * Float.BYTES, e.parts().get("vae caches"));
    }

    @Test
    void theTransformerPhaseCountsTheWeights() throws Exception {
        MemoryEstimate e = estimate(81, 21);
        long weights = e.parts().get("model weights");
        // 1.3B parameters in fp32 (the transformer's own count: 30 blocks of 46.4M, plus embeddings and head)
        assertTrue(weights > 5.5e9 && weights < 5.9e9, "weights " + weights);
    }

    @Test
    void eightyOneFramesAreDominatedByDenoising() throws Exception {
        MemoryEstimate e = estimate(81, 21);
        assertTrue(e.parts().containsKey("ORT activations"), e.parts().toString());
        long scores = 2L * 12 * 21 * 30 * 52 * 512 * Float.BYTES;   // CFG pair of cross-attention scores, 32,760 x 512
        assertTrue(e.parts().get("ORT activations") > scores, e.largestParts(5));
        assertEquals(0, e.parts().getOrDefault("video", 0L));
    }

    private MemoryEstimate estimate(int frames, int latentFrames) throws Exception {
        WanConfig config = WanConfig.parse(CONFIG_1_3B);
        Path vae = dir.resolve("config.json");
        Files.writeString(vae, WanVaeFixtures.configJson(new WanVaeFixtures.Spec(96, 16, new int[] {1, 2, 4, 4}, 2,
                new boolean[] {false, true, true}), "AutoencoderKLWan"));
        WanVaeConfig vaeConfig = WanVaeConfig.read(vae);
        WanLatents layout = new WanLatents(16, latentFrames, 60, 104, new TokenGrid(latentFrames, 30, 52), List.of(),
                (l, z) -> null);
        assertEquals(frames, layout.videoFrames(0, latentFrames));
        MemoryEstimate.Builder b = MemoryEstimate.builder("wan");
        WanModel.estimate(b, config, vaeConfig, VAE_FILE, 512, layout, 2);
        MemoryEstimate e = b.build();
        System.out.printf("Wan2.1-1.3B, %d frames of 832x480, CFG: estimate %s (%s)%n", frames,
                MemoryEstimate.format(e.totalBytes()), e.largestParts(4));
        return e;
    }
}
