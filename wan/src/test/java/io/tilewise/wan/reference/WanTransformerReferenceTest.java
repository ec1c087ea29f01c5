package io.tilewise.wan.reference;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.wan.fixtures.SafetensorsBytes;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fp64 reference against the golden forward case (an independent fp64 computation of diffusers'
 * WanTransformer3DModel on tiny random weights), plus the properties its hook and RoPE must have.
 */
class WanTransformerReferenceTest {

    static Path golden(String name) {
        try {
            return Path.of(WanTransformerReferenceTest.class.getResource("/golden/forward/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Map<String, double[]> goldenWeights() throws Exception {
        return SafetensorsBytes.values(SafetensorsBytes.read(golden("model/transformer/diffusion_pytorch_model.safetensors")));
    }

        @Test
    void matchesGoldenForward() throws Exception {
        var config = WanTransformerReference.Config.fromJson(golden("model/transformer/config.json"));
        assertEquals(2, config.heads());
        assertEquals(12, config.headDim());
        NpyArray x = Npy.read(golden("x.npy"));
        NpyArray ctx = Npy.read(golden("ctx.npy"));
        NpyArray v = Npy.read(golden("v.npy"));
        assertArrayEquals(new int[] {1, 16, 2, 6, 8}, x.shape());
        int[] s = x.shape();
        double[] out = WanTransformerReference.forward(goldenWeights(), config, x.data(), s[0], s[2], s[3], s[4], 421.5,
                ctx.data(), ctx.shape()[1]);
        assertEquals(v.data().length, out.length);
        double err = Errors.relativeL2(out, v.data());
        // 1e-6, tighter than the 1e-5 the production check uses: measured 2.5e-8 here (float32 storage of v.npy), while
        // a sinusoid argument formed in float64 instead of diffusers' float32 already reads 1.5e-6.
        assertTrue(err <= 1e-6, "relative L2 to golden v.npy = " + err);
    }

    @Test
    void denseOverrideReproducesDefaultAndIsCalledPerLayer() throws Exception {
        var config = WanTransformerReference.Config.fromJson(golden("model/transformer/config.json"));
        NpyArray x = Npy.read(golden("x.npy"));
        NpyArray ctx = Npy.read(golden("ctx.npy"));
        int[] s = x.shape();
        Map<String, double[]> w = goldenWeights();
        double[] dense = WanTransformerReference.forward(w, config, x.data(), s[0], s[2], s[3], s[4], 421.5, ctx.data(), 6);
        int[] calls = new int[config.layers()];
        double[] hooked = WanTransformerReference.forward(w, config, x.data(), s[0], s[2], s[3], s[4], 421.5, ctx.data(), 6,
                (layer, q, k, vv, heads, tokens, hd) -> {
                    calls[layer]++;
                    assertEquals(2 * 3 * 4, tokens);
                    return WanTransformerReference.denseAttention(q, k, vv, heads, tokens, tokens, hd);
                });
        assertArrayEquals(dense, hooked, 0.0);
        assertArrayEquals(new int[] {1, 1}, calls);
        // A different attention output must change the result: the hook is really on the path.
        double[] zeroed = WanTransformerReference.forward(w, config, x.data(), s[0], s[2], s[3], s[4], 421.5, ctx.data(), 6,
                (layer, q, k, vv, heads, tokens, hd) -> new double[heads * tokens * hd]);
        assertTrue(Errors.relativeL2(zeroed, toFloat(dense)) > 1e-3);
    }

    @Test
    void batchItemsAreIndependentAndImagesRun() {
        // diffusers' test config on an image (F = 1) and an odd grid: batch 2 must equal two batch-1 forwards.
        var config = io.tilewise.wan.fixtures.WanCheckpointFixtures.testConfig();
        Map<String, double[]> w = io.tilewise.wan.fixtures.WanCheckpointFixtures.randomValues(config, 11);
        var rnd = new java.util.SplittableRandom(5);
        int f = 1, h = 6, wd = 10, len = 4, per = config.inChannels() * f * h * wd, perText = len * config.textDim();
        float[] x = new float[2 * per];
        float[] ctx = new float[2 * perText];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < ctx.length; i++) ctx[i] = (float) rnd.nextGaussian();
        double[] both = WanTransformerReference.forward(w, config, x, 2, f, h, wd, 999, ctx, len);
        for (int b = 0; b < 2; b++) {
            double[] one = WanTransformerReference.forward(w, config, java.util.Arrays.copyOfRange(x, b * per, (b + 1) * per),
                    1, f, h, wd, 999, java.util.Arrays.copyOfRange(ctx, b * perText, (b + 1) * perText), len);
            assertArrayEquals(one, java.util.Arrays.copyOfRange(both, b * per, (b + 1) * per), 0.0);
        }
        assertTrue(Errors.relativeL2(java.util.Arrays.copyOfRange(both, 0, per), toFloat(java.util.Arrays.copyOfRange(both, per, 2 * per))) > 1e-2);
    }

    @Test
    void ropeSplitsHeadDimAsDiffusers() {
        // headDim 128: frames 44, height 42, width 42 → pairs 22 + 21 + 21.
        var config = new WanTransformerReference.Config(12, 128, 1, 8, 16, 16, 8, 256, new int[] {1, 2, 2}, 1e-6, 1024, true);
        double[][] a = WanTransformerReference.ropeAngles(config, 3, 4, 5);
        double[] token = a[(2 * 4 + 3) * 5 + 4]; // f=2, h=3, w=4
        assertEquals(64, token.length);
        assertEquals(2.0, token[0], 0);
        assertEquals(2.0 / Math.pow(10000, 2.0 / 44), token[1], 1e-15);
        assertEquals(3.0, token[22], 0);
        assertEquals(3.0 / Math.pow(10000, 40.0 / 42), token[42], 1e-15);
        assertEquals(4.0, token[43], 0);
        assertEquals(4.0 / Math.pow(10000, 2.0 / 42), token[44], 1e-15);
    }

    @Test
    void sinusoidIsCosThenSin() {
        double[] e = WanTransformerReference.timestepSinusoid(421.5, 256);
        assertEquals(Math.cos(421.5), e[0], 0);
        assertEquals(Math.sin(421.5), e[128], 0);
        // Argument rounded to float32 as diffusers forms it: within a float32 ulp of the exact phase, not equal to it.
        double exact = 421.5 * Math.exp(-Math.log(10000) * 5 / 128);
        double f32 = (float) (421.5f * (float) Math.exp((float) -Math.log(10000) * 5f / 128f));
        assertEquals(Math.cos(f32), e[5], 1e-15);
        assertTrue(Math.abs(f32 - exact) < 2 * Math.ulp((float) exact));
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        var config = WanTransformerReference.Config.fromJson(golden("model/transformer/config.json"));
        Map<String, double[]> w = new java.util.HashMap<>(goldenWeights());
        w.remove("blocks.1.attn2.norm_k.weight");
        var e = assertThrows(IllegalArgumentException.class, () -> WanTransformerReference.forward(w, config,
                new float[16 * 2 * 6 * 8], 1, 2, 6, 8, 1.0, new float[6 * 32], 6));
        assertTrue(e.getMessage().contains("blocks.1.attn2.norm_k.weight"), e.getMessage());
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }
}
