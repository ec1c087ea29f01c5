package io.tilewise.training;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.onnx.RopeTables;

import io.tilewise.pipeline.run.Tokenizer;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyDitTest {

    private static final ModelConfig CFG = TinyConfigs.testSized();

    /** Random values for every parameter, including the zero-initialised ones, so every path matters. */
    private static Map<String, float[]> randomValues(long seed) {
        Map<String, float[]> v = TinyDit.initialValues(CFG, seed);
        Random r = new Random(seed);
        v.replaceAll((k, a) -> {
            float[] b = a.clone();
            for (int i = 0; i < b.length; i++) {
                b[i] += (float) (0.2 * r.nextGaussian());
            }
            return b;
        });
        return v;
    }

    private static float[] forward(NDManager root, TinyDit model, float[] x, long[] ids, float[] mask, int b, int f, int gh, int gw) {
        try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
            scope.suppressNotUsedWarning();
            float[] t = new float[b];
            for (int i = 0; i < b; i++) {
                t[i] = 0.3f + 0.4f * i;
            }
            NDArray out = model.forward(m.create(x, new Shape(b, (long) f * gh * gw, CFG.patchSize())), t, ids, mask, f, gh, gw);
            assertEquals(new Shape(b, (long) f * gh * gw, CFG.patchSize()), out.getShape());
            return out.toFloatArray();
        }
    }

    @Test
    void parameterTableFollowsTheContract() {
        assertFalse(TinyDit.parameterShapes(TinyConfigs.tinyT2v()).containsKey("text_pool.weight"), "opt-in only");
        Map<String, long[]> s = TinyDit.parameterShapes(TinyConfigs.tinyT2v().withConditioning(true, 4));
        assertArrayEquals(new long[] {384, 128}, s.get("blocks.3.attn.qkv.weight"));
        assertArrayEquals(new long[] {32}, s.get("blocks.0.attn.norm_q.weight"));
        assertArrayEquals(new long[] {256, 128}, s.get("blocks.1.cross.kv.weight"));
        assertArrayEquals(new long[] {6, 128}, s.get("blocks.2.modulation"));
        assertArrayEquals(new long[] {768, 128}, s.get("time_proj.weight"));
        assertArrayEquals(new long[] {128, 256}, s.get("time_embed.fc1.weight"));
        assertArrayEquals(new long[] {128, 48}, s.get("patch_embed.weight"));
        assertArrayEquals(new long[] {48, 128}, s.get("head.linear.weight"));
        assertArrayEquals(new long[] {2, 128}, s.get("head.modulation"));
        assertArrayEquals(new long[] {Vocabulary.WORDS.size(), 128}, s.get("text.embed.weight"));
        assertArrayEquals(new long[] {16, 128}, s.get("text.pos.weight"));
        assertArrayEquals(new long[] {512, 128}, s.get("text.layers.1.mlp.fc1.weight"));
        assertArrayEquals(new long[] {128, 128}, s.get("text_pool.weight"));
        assertArrayEquals(new long[] {128, 24}, s.get("pos_embed.weight"));
        long total = s.values().stream().mapToLong(a -> {
            long n = 1;
            for (long x : a) {
                n *= x;
            }
            return n;
        }).sum();
        assertTrue(total > 1_000_000 && total < 2_000_000, "parameters " + total);
    }

    @Test
    void paddingTokensDoNotChangeTheOutputButRealTokensDo() {
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, randomValues(3), root, false);
            Tokenizer tok = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens());
            Tokenizer.Encoding red = tok.encode("a red circle");
            float[] x = new float[2 * 4 * 3 * CFG.patchSize()];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            long[] ids = new long[32];
            float[] mask = new float[32];
            for (int b = 0; b < 2; b++) {
                System.arraycopy(red.ids(), 0, ids, b * 16, 16);
                System.arraycopy(red.mask(), 0, mask, b * 16, 16);
            }
            float[] base = forward(root, model, x, ids, mask, 2, 2, 2, 3);
            long[] garbage = ids.clone();
            garbage[10] = Vocabulary.WORDS.indexOf("triangle");   // behind the mask
            assertArrayEquals(base, forward(root, model, x, garbage, mask, 2, 2, 2, 3), 1e-5f);
            long[] blue = ids.clone();
            blue[2] = Vocabulary.WORDS.indexOf("blue");           // a real token
            float[] changed = forward(root, model, x, blue, mask, 2, 2, 2, 3);
            assertTrue(maxAbsDiff(base, changed) > 1e-4, "a real token must change the output");
        }
    }

    @Test
    void zeroConditioningAdditionsKeepTheModelWithoutThem() {
        // With text_pool and pos_embed at zero the model is exactly the one without them (the formula adds, never replaces).
        ModelConfig plain = CFG.withConditioning(false, 0);
        Map<String, float[]> values = randomValues(5);
        Map<String, float[]> without = new java.util.LinkedHashMap<>(values);
        without.keySet().removeIf(k -> k.startsWith("text_pool") || k.startsWith("pos_embed"));
        Map<String, float[]> zeroed = new java.util.LinkedHashMap<>(values);
        zeroed.replaceAll((k, v) -> k.startsWith("text_pool") || k.startsWith("pos_embed") ? new float[v.length] : v);
        try (NDManager root = NDManager.newBaseManager()) {
            Tokenizer.Encoding tokens = new Tokenizer(CFG.text().vocab(), CFG.text().maxTokens()).encode("a red circle moving left");
            float[] x = new float[2 * 3 * 2 * CFG.patchSize()];
            Random r = new Random(4);
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            float[] base = forward(root, TinyDit.of(plain, without, root, false), x, tokens.ids(), tokens.mask(), 1, 2, 3, 2);
            assertArrayEquals(base, forward(root, TinyDit.of(CFG, zeroed, root, false), x, tokens.ids(), tokens.mask(), 1, 2, 3, 2), 1e-6f);
            float[] full = forward(root, TinyDit.of(CFG, values, root, false), x, tokens.ids(), tokens.mask(), 1, 2, 3, 2);
            assertTrue(maxAbsDiff(base, full) > 1e-3, "non-zero text_pool/pos_embed must change the output");
        }
    }

    @Test
    void textEmbedScaleMultipliesOnlyTheWordEmbeddings() {
        Map<String, float[]> base = TinyDit.initialValues(CFG, 2);
        Map<String, float[]> scaled = TrainTinyModel.scaled(TinyDit.initialValues(CFG, 2), "text.embed.weight", 50);
        float[] e = base.get("text.embed.weight");
        for (int i = 0; i < e.length; i++) assertEquals(50 * e[i], scaled.get("text.embed.weight")[i], 1e-6f);
        assertArrayEquals(base.get("text.pos.weight"), scaled.get("text.pos.weight"));
    }

    @Test
    void freshModelPredictsZeroAndTrainsFromThere() {
        // The head starts at zero, so the first prediction is exactly 0 (block gates start open, see GATE_INIT).
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(CFG, TinyDit.initialValues(CFG, 1), root, false);
            float[] x = new float[4 * CFG.patchSize()];
            java.util.Arrays.fill(x, 0.5f);
            long[] ids = new Tokenizer(CFG.text().vocab(), 16).encode("a red square").ids();
            float[] mask = new Tokenizer(CFG.text().vocab(), 16).encode("a red square").mask();
            for (float v : forward(root, model, x, ids, mask, 1, 1, 2, 2)) {
                assertEquals(0f, v);
            }
        }
    }

    @Test
    void blockGatesStartOpenAndShiftsAndScalesAtZero() {
        Map<String, float[]> v = TinyDit.initialValues(CFG, 1);
        int d = CFG.hidden();
        float[] mod = v.get("blocks.0.modulation");
        for (int row = 0; row < 6; row++) {
            float want = row == 2 || row == 5 ? TinyDit.GATE_INIT : 0f;
            for (int j = 0; j < d; j++) {
                assertEquals(want, mod[row * d + j], "modulation row " + row);
            }
        }
        for (float x : v.get("head.modulation")) {
            assertEquals(0f, x);
        }
    }

    @Test
    void queryAndKeyNormsStartAboveOneSoScoresCanSingleOutNeighbours() {
        Map<String, float[]> v = TinyDit.initialValues(CFG, 1);
        for (int b = 0; b < CFG.blocks(); b++) {
            for (String name : new String[] {"attn.norm_q.weight", "attn.norm_k.weight"}) {
                for (float x : v.get("blocks." + b + "." + name)) {
                    assertEquals(TinyDit.QK_NORM_INIT, x, name);
                }
            }
            for (float x : v.get("blocks." + b + ".cross.norm.weight")) {
                assertEquals(1f, x);
            }
        }
        // the largest score q·k/sqrt(hd) of unit-RMS q and k is sqrt(hd)·w²; at w = 1 and hd = 32 it is only 5.7
        double maxScore = Math.sqrt(32) * TinyDit.QK_NORM_INIT * TinyDit.QK_NORM_INIT;
        assertTrue(maxScore > 10 && maxScore < 20, "max score " + maxScore);
    }

    @Test
    void trainingTimesAreShiftedLikeTheSampler() {
        // median of the logit-normal is u = 0.5; shift 3 maps it to 0.75, the same map as FlowMatching.times
        assertEquals(0.75, FlowMatching.trainingTime(0), 1e-12);
        double previous = 0;
        for (double z = -6; z <= 6; z += 0.5) {
            double t = FlowMatching.trainingTime(z);
            assertTrue(t > previous && t < 1, "t(" + z + ") = " + t);
            previous = t;
        }
    }

    @Test
    void ropeAnglesFollowTheContract() {
        // test config: headDim 8, rope_axes (2, 2, 4): pairs 0 = frame, 1 = y, 2..3 = x
        // training rotates with the inference stages' tables
        RopeTables t = RopeTables.of(new TokenGrid(3, 4, 5), CFG.ropeAxes(), CFG.ropeTheta());
        int pairs = 4;
        int token = (2 * 4 + 3) * 5 + 4;   // frame 2, y 3, x 4
        double[] expected = {2.0, 3.0, 4.0, 4.0 * Math.pow(10000, -2.0 / 4)};
        for (int p = 0; p < pairs; p++) {
            assertEquals((float) Math.cos(expected[p]), t.cos()[token * pairs + p], 1e-7);
            assertEquals((float) Math.sin(expected[p]), t.sin()[token * pairs + p], 1e-7);
        }
    }

    @Test
    void timestepEmbeddingIsCosThenSin() {
        float[] e = TinyDit.timestepEmbedding(new float[] {0.25f}, 8);
        double s = 250;
        for (int j = 0; j < 4; j++) {
            double f = Math.exp(-Math.log(10000) * j / 4);
            assertEquals(Math.cos(s * f), e[j], 1e-6);
            assertEquals(Math.sin(s * f), e[4 + j], 1e-6);
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
