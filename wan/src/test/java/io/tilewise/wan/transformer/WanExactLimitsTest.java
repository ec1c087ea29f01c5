package io.tilewise.wan.transformer;

import io.tilewise.wan.reference.Errors;
import io.tilewise.pipeline.run.AttentionCall;
import io.tilewise.pipeline.run.Pipeline;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every method in its exact limit, as the model's self-attention on an odd grid (3 × 5 × 7 tokens, no tile size
 * divides it): the forward equals the dense forward. A sparse setting of the same grid differs, so the comparison is
 * not vacuous; batch items are independent.
 */
class WanExactLimitsTest {

    private static WanTransformer model;
    private static final int[] SHAPE = {1, 16, 3, 10, 14};
    private static float[] latents;
    private static float[] text;
    private static float[] dense;

    @BeforeAll
    static void open() throws Exception {
        model = WanTransformer.open(WanGoldenForwardTest.golden().resolve("model"), new Pipeline.Options(2, null));
        Random r = new Random(5);
        latents = new float[16 * 3 * 10 * 14];
        for (int i = 0; i < latents.length; i++) latents[i] = (float) r.nextGaussian();
        text = new float[5 * 32];
        for (int i = 0; i < text.length; i++) text[i] = (float) r.nextGaussian();
        dense = model.forward(latents, SHAPE, 700f, text, 5, model.policy("dense")).velocity();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gna:window=3x5x7", "radial:decay=100,block=16", "pisa:density=1,block=16",
            "blocksparse:keep=1,tile=16", "paro:density=1,block=16", "cache(tau=1):pisa:density=0.25,block=16",
            "cache(tau=1):gna:window=1x3x3", "dense@layers=0;pisa:density=1,block=32"})
    void exactLimitEqualsDenseThroughTheModel(String policy) {
        model.resetAttentionState();
        WanForward out = model.forward(latents, SHAPE, 700f, text, 5, model.policy(policy));
        double err = Errors.relativeL2(out.velocity(), dense);
        assertTrue(err < 1e-5, policy + ": relative L2 to dense " + err);
        assertEquals(2, out.calls().size());
    }

    @Test
    void aSparseSettingOfTheSameGridDiffers() {
        WanForward out = model.forward(latents, SHAPE, 700f, text, 5, model.policy("gna:window=1x3x3"));
        for (AttentionCall call : out.calls()) assertTrue(call.executedDensity() < 1, call.toString());
        assertTrue(Errors.relativeL2(out.velocity(), dense) > 1e-3);
    }

    @Test
    void batchItemsAreIndependent() {
        Random r = new Random(9);
        float[] other = new float[latents.length];
        for (int i = 0; i < other.length; i++) other[i] = (float) r.nextGaussian();
        float[] otherText = new float[text.length];
        for (int i = 0; i < otherText.length; i++) otherText[i] = (float) r.nextGaussian();
        float[] both = concat(latents, other);
        float[] bothText = concat(text, otherText);
        WanForward pair = model.forward(both, new int[] {2, 16, 3, 10, 14}, 700f, bothText, 5, model.policy("dense"));
        float[] second = model.forward(other, SHAPE, 700f, otherText, 5, model.policy("dense")).velocity();
        float[] v = pair.velocity();
        assertTrue(Errors.relativeL2(java.util.Arrays.copyOfRange(v, 0, dense.length), dense) < 1e-6);
        assertTrue(Errors.relativeL2(java.util.Arrays.copyOfRange(v, dense.length, v.length), second) < 1e-6);
        assertEquals(4, pair.calls().size());
    }

    @Test
    void aMethodThatCannotRunOnTheGridIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.forward(latents, SHAPE, 700f, text, 5, model.policy("gna:window=5x5x5")));
        assertTrue(e.getMessage().contains("gna"), e.getMessage());
    }

    @Test
    void inputsThatDoNotMatchTheModelAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> model.forward(latents, new int[] {1, 16, 3, 10, 15}, 700f, text, 5,
                model.policy("dense")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.forward(latents, SHAPE, -1f, text, 5, model.policy("dense")));
        assertEquals("timestep -1.0 must be a number in 0..1000", e.getMessage());
        assertArrayEquals(new int[] {1, 16, 3, 10, 14}, SHAPE);
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
