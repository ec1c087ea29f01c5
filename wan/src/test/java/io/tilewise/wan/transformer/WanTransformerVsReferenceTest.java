package io.tilewise.wan.transformer;

import io.tilewise.wan.reference.Errors;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.wan.fixtures.WanCheckpointFixtures;
import io.tilewise.wan.fixtures.WanCheckpointFixtures.Layout;
import io.tilewise.wan.fixtures.WanCheckpointFixtures.Options;
import io.tilewise.wan.fixtures.WanCheckpointFixtures.Written;
import io.tilewise.wan.reference.WanTransformerReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ORT forward against the plain-Java fp64 {@link WanTransformerReference} (a second implementation written from
 * diffusers' source) on tiny random checkpoints with the real tensor names, diffusers' own test config (patch
 * (1,2,2), 2 heads × 12, 2 layers, ffn 32, in/out 4, text_dim 16): relative L2 below 1e-5 for an image (F = 1), odd
 * grids, fewer tokens than the stages' token runs, batch 2, BF16 shards, F16, and the original layout with and without its prefix; and every method's exact
 * limit against the reference's dense forward.
 */
class WanTransformerVsReferenceTest {

    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    private record Inputs(float[] latents, int[] shape, float[] text, int textTokens) {
    }

    private static Inputs inputs(long seed, int batch, int frames, int height, int width, int textTokens) {
        Random r = new Random(seed);
        float[] x = new float[batch * 4 * frames * height * width];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] t = new float[batch * textTokens * 16];
        for (int i = 0; i < t.length; i++) t[i] = (float) r.nextGaussian();
        return new Inputs(x, new int[] {batch, 4, frames, height, width}, t, textTokens);
    }

    private static double check(Written w, Path open, Inputs in, float timestep, String policy) {
        double[] expected = WanTransformerReference.forward(w.weights(), w.config(), in.latents(), in.shape()[0],
                in.shape()[2], in.shape()[3], in.shape()[4], timestep, in.text(), in.textTokens());
        try (WanTransformer model = WanTransformer.open(open, new Pipeline.Options(2, null))) {
            WanForward out = model.forward(in.latents(), in.shape(), timestep, in.text(), in.textTokens(), model.policy(policy));
            int[] s = in.shape();
            assertArrayEquals(new int[] {s[0], 4, s[2], s[3], s[4]}, out.shape());
            double err = Errors.relativeL2(out.velocity(), expected);
            assertTrue(err < TOLERANCE, policy + ": relative L2 to the fp64 reference " + err);
            return err;
        }
    }

    /**
     * {@code int8} block products (8-bit weights and activations in blocks) against the same fp64 reference: close,
     * and not exact — the option reaches every block graph.
     */
    @Test
    void int8BlockProductsStayCloseToTheReference() throws IOException {
        Written w = WanCheckpointFixtures.writeTransformer(dir.resolve("t"), WanCheckpointFixtures.testConfig(), Options.defaults());
        Inputs in = inputs(2, 2, 3, 10, 14, 5);
        double[] expected = WanTransformerReference.forward(w.weights(), w.config(), in.latents(), 2, 3, 10, 14, 421.5f, in.text(),
                in.textTokens());
        Pipeline.Options int8 = new Pipeline.Options(2, null).withPrecision(io.tilewise.pipeline.onnx.StagePrecision.INT8);
        try (WanTransformer model = WanTransformer.open(w.folder(), int8)) {
            WanForward out = model.forward(in.latents(), in.shape(), 421.5f, in.text(), in.textTokens(), model.policy("dense"));
            double err = Errors.relativeL2(out.velocity(), expected);
            assertTrue(err < 2e-2 && err > TOLERANCE, "int8: relative L2 to the fp64 reference " + err);
        }
    }

    @Test
    void anImageOneFrame() throws IOException {
        Written w = WanCheckpointFixtures.writeTransformer(dir.resolve("t"), WanCheckpointFixtures.testConfig(), Options.defaults());
        check(w, w.folder(), inputs(1, 1, 1, 6, 8, 7), 999f, "dense");
    }

    @Test
    void oddGridsThatNoTileDivides() throws IOException {
        Written w = WanCheckpointFixtures.writeTransformer(dir.resolve("t"), WanCheckpointFixtures.testConfig(), Options.defaults());
        check(w, w.folder(), inputs(2, 1, 3, 10, 14, 5), 421.5f, "dense");
        check(w, w.folder(), inputs(3, 1, 5, 2, 18, 1), 0f, "dense");
    }

    @Test
    void fewerTokensThanTheStagesTokenRuns() throws IOException {
        // 1 and 3 tokens (batch 2 for the latter) against WanStageGraphs.TOKEN_CHUNKS runs: most runs are empty
        assertTrue(3 < WanStageGraphs.TOKEN_CHUNKS);
        Written w = WanCheckpointFixtures.writeTransformer(dir.resolve("t"), WanCheckpointFixtures.testConfig(), Options.defaults());
        check(w, w.folder(), inputs(9, 1, 1, 2, 2, 3), 123f, "dense");
        check(w, w.folder(), inputs(10, 2, 3, 2, 2, 2), 640f, "dense");
    }

    @Test
    void batchTwoWithItsOwnTextPerItem() throws IOException {
        Written w = WanCheckpointFixtures.writeTransformer(dir.resolve("t"), WanCheckpointFixtures.testConfig(), Options.defaults());
        check(w, w.folder(), inputs(4, 2, 2, 4, 6, 9), 250f, "dense");
    }

    @Test
    void bf16ShardsInAPipelineFolder() throws IOException {
        Written w = WanCheckpointFixtures.writePipeline(dir.resolve("p"), WanCheckpointFixtures.testConfig(),
                Options.defaults().dtype("BF16").shards(3).seed(11));
        check(w, dir.resolve("p"), inputs(5, 1, 2, 6, 4, 6), 600f, "dense");
    }

    @Test
    void f16SingleFile() throws IOException {
        Written w = WanCheckpointFixtures.writeTransformer(dir.resolve("t"), WanCheckpointFixtures.testConfig(),
                Options.defaults().dtype("F16").seed(12));
        check(w, w.folder(), inputs(6, 1, 2, 4, 4, 3), 33.3f, "dense");
    }

    @Test
    void originalLayoutNamesWithAndWithoutPrefix() throws IOException {
        Written plain = WanCheckpointFixtures.writeTransformer(dir.resolve("o"), WanCheckpointFixtures.testConfig(),
                Options.defaults().layout(Layout.ORIGINAL).seed(13));
        Written prefixed = WanCheckpointFixtures.writeTransformer(dir.resolve("c"), WanCheckpointFixtures.testConfig(),
                Options.defaults().layout(Layout.ORIGINAL_PREFIXED).dtype("BF16").shards(2).seed(14));
        check(plain, plain.folder(), inputs(7, 1, 2, 4, 6, 4), 500f, "dense");
        check(prefixed, prefixed.folder(), inputs(8, 1, 2, 4, 6, 4), 500f, "dense");
        try (WanTransformer model = WanTransformer.open(prefixed.folder(), new Pipeline.Options(1, null))) {
            assertEquals(WanCheckpoint.Layout.ORIGINAL, model.layout());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gna:window=3x5x7", "radial:decay=100,block=16", "pisa:density=1,block=16",
            "blocksparse:keep=1,tile=16", "paro:density=1,block=16", "cache(tau=1):radial:decay=0.2,block=16"})
    void everyMethodsExactLimitMatchesTheReferenceDense(String policy) throws IOException {
        Written w = WanCheckpointFixtures.writeTransformer(dir.resolve("t"), WanCheckpointFixtures.testConfig(),
                Options.defaults().seed(21));
        check(w, w.folder(), inputs(22, 1, 3, 10, 14, 5), 800f, policy);
    }

    }
