package io.tilewise.pipeline.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.testkit.ReferenceModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.tilewise.pipeline.testkit.Arrays2.normal;
import static io.tilewise.pipeline.testkit.Arrays2.relL2;
import static io.tilewise.pipeline.testkit.Arrays2.toDouble;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each ONNX stage graph against the plain-Java reference forward on a random tiny model. */
class StageGraphsVsReferenceTest {

    private static final double REL_L2 = 1e-5;
    private static final int BATCH = 2;
    private static final TokenGrid GRID = new TokenGrid(2, 3, 5);

    private static ModelConfig config;
    private static ModelWeights weights;
    private static ReferenceModel reference;
    private static ModelSessions sessions;
    private static OrtEnvironment env;

    @BeforeAll
    static void build() {
        // rope parts 2+2+4 of headDim 8; a time MLP narrower than freq_dim; a block MLP ratio of 2
        config = TinyModels.small(2);
        weights = TinyModels.randomWeights(config, 7);
        reference = new ReferenceModel(weights);
        sessions = new ModelSessions(weights, 1);
        env = sessions.environment();
    }

    @AfterAll
    static void close() {
        sessions.close();
    }

    @Test
    void textEncoderMatchesReference() {
        int len = config.text().maxTokens();
        long[] ids = new long[BATCH * len];
        float[] mask = new float[BATCH * len];
        // batch 0: bos + 5 words; batch 1: bos alone (the unconditional prompt)
        for (int l = 0; l < len; l++) {
            ids[l] = l == 0 ? 1 : l <= 5 ? 2 + (l * 7) % (config.text().vocab().size() - 2) : 0;
            mask[l] = l <= 5 ? 1 : 0;
            ids[len + l] = l == 0 ? 1 : 0;
            mask[len + l] = l == 0 ? 1 : 0;
        }
        try (OrtBuffers.Longs idsT = OrtBuffers.longs(env, ids, BATCH, len);
             OrtBuffers.Floats maskT = OrtBuffers.floats(env, mask, BATCH, len);
             OrtBuffers.Floats out = OrtBuffers.floats(env, BATCH, len, config.text().hidden());
             OrtBuffers.Floats pooled = OrtBuffers.floats(env, BATCH, config.text().hidden())) {
            ModelSessions.run(sessions.textEncoder(), Map.of(StageGraphs.IDS, idsT.tensor(), StageGraphs.TEXT_MASK, maskT.tensor()),
                    Map.of(StageGraphs.TEXT_STATES, out.tensor(), StageGraphs.TEXT_POOLED, pooled.tensor()), "text");
            double err = relL2(out.toArray(), reference.textEncoder(ids, toDouble(mask), BATCH));
            assertTrue(err < REL_L2, "text encoder relL2 " + err);
            double pooledErr = relL2(pooled.toArray(), reference.pooledWords(ids, toDouble(mask), BATCH));
            assertTrue(pooledErr < REL_L2, "pooled words relL2 " + pooledErr);
        }
    }

    @Test
    void embedMatchesReference() {
        int n = GRID.volume();
        float[] patches = normal(1, BATCH * n * config.patchSize(), 1);
        float[] t = {0.93f, 0.171f};
        int d = config.hidden();
        int len = config.text().maxTokens();
        // Pooled text (TinyModels' configs have it): any [B, dt] vector from the text encoder stage.
        float[] text = normal(5, BATCH * config.text().hidden(), 1);
        assertTrue(config.text().pooled() && config.positionFeatures() > 0);
        try (OrtBuffers.Floats p = OrtBuffers.floats(env, patches, BATCH, n, config.patchSize());
             OrtBuffers.Floats tt = OrtBuffers.floats(env, t, BATCH);
             OrtBuffers.Floats textT = OrtBuffers.floats(env, text, BATCH, config.text().hidden());
             OrtBuffers.Floats pos = OrtBuffers.floats(env, PositionFeatures.of(GRID, config.positionFeatures()), n,
                     PositionFeatures.width(config.positionFeatures()));
             OrtBuffers.Floats x = OrtBuffers.floats(env, BATCH, n, d);
             OrtBuffers.Floats temb = OrtBuffers.floats(env, BATCH, d);
             OrtBuffers.Floats e = OrtBuffers.floats(env, BATCH, 6, d)) {
            ModelSessions.run(sessions.embed(), Map.of(StageGraphs.PATCHES, p.tensor(), StageGraphs.T, tt.tensor(),
                            StageGraphs.TEXT_POOLED, textT.tensor(), StageGraphs.POSITION, pos.tensor()),
                    Map.of(StageGraphs.X, x.tensor(), StageGraphs.TEMB, temb.tensor(), StageGraphs.E, e.tensor()), "embed");
            ReferenceModel.Embedded ref = reference.embed(toDouble(patches), toDouble(t), toDouble(text), GRID, BATCH);
            // The pooled path matters: without it the reference's time embedding differs.
            // Both additions matter: without them the reference's time embedding and tokens differ.
            ModelConfig plain = new ModelConfig(config.architecture(), config.modelId(), config.hidden(), config.heads(),
                    config.blocks(), config.mlpRatio(), config.patch(), config.channels(), config.freqDim(), config.ropeAxes(),
                    config.ropeTheta(), new ModelConfig.TextConfig(config.text().hidden(), config.text().heads(),
                    config.text().layers(), len, config.text().vocab(), false), 0, config.defaults(), config.trainedFor());
            Map<String, float[]> arrays = TinyModels.randomArrays(config, 7);
            arrays.remove("text_pool.weight");
            arrays.remove("text_pool.bias");
            arrays.remove("pos_embed.weight");
            ReferenceModel.Embedded without = new ReferenceModel(ModelWeights.of(plain, arrays))
                    .embed(toDouble(patches), toDouble(t), null, GRID, BATCH);
            assertTrue(relL2(temb.toArray(), without.temb()) > 1e-2, "pooled text must change temb");
            assertTrue(relL2(x.toArray(), without.x()) > 1e-2, "position features must change x");
            assertClose("x", x.toArray(), ref.x());
            assertClose("temb", temb.toArray(), ref.temb());
            assertClose("e", e.toArray(), ref.e());
        }
    }

    @Test
    void blockStagesMatchReference() {
        int n = GRID.volume();
        int d = config.hidden();
        int heads = config.heads();
        int hd = config.headDim();
        int len = config.text().maxTokens();
        float[] x = normal(2, BATCH * n * d, 1);
        float[] e = normal(3, BATCH * 6 * d, 0.3);
        float[] attn = normal(4, BATCH * heads * n * hd, 1);
        float[] text = normal(5, BATCH * len * config.text().hidden(), 1);
        float[] mask = new float[BATCH * len];
        for (int l = 0; l < len; l++) {
            mask[l] = l < 4 ? 1 : 0;
            mask[len + l] = l < 1 ? 1 : 0;
        }
        RopeTables rope = RopeTables.of(GRID, config.ropeAxes(), config.ropeTheta());
        for (int block = 0; block < config.blocks(); block++) {
            try (OrtBuffers.Floats xt = OrtBuffers.floats(env, x, BATCH, n, d);
                 OrtBuffers.Floats et = OrtBuffers.floats(env, e, BATCH, 6, d);
                 OrtBuffers.Floats cos = OrtBuffers.floats(env, rope.cos(), n, rope.pairs());
                 OrtBuffers.Floats sin = OrtBuffers.floats(env, rope.sin(), n, rope.pairs());
                 OrtBuffers.Floats q = OrtBuffers.floats(env, BATCH, heads, n, hd);
                 OrtBuffers.Floats k = OrtBuffers.floats(env, BATCH, heads, n, hd);
                 OrtBuffers.Floats v = OrtBuffers.floats(env, BATCH, heads, n, hd);
                 OrtBuffers.Floats at = OrtBuffers.floats(env, attn, BATCH, heads, n, hd);
                 OrtBuffers.Floats tt = OrtBuffers.floats(env, text, BATCH, len, config.text().hidden());
                 OrtBuffers.Floats mt = OrtBuffers.floats(env, mask, BATCH, len);
                 OrtBuffers.Floats out = OrtBuffers.floats(env, BATCH, n, d)) {
                Map<String, OnnxTensor> preIn = Map.of(StageGraphs.X, xt.tensor(), StageGraphs.E, et.tensor(),
                        StageGraphs.ROPE_COS, cos.tensor(), StageGraphs.ROPE_SIN, sin.tensor());
                ModelSessions.run(sessions.pre(block), preIn,
                        Map.of(StageGraphs.Q, q.tensor(), StageGraphs.K, k.tensor(), StageGraphs.V, v.tensor()), "pre");
                ReferenceModel.Qkv ref = reference.pre(block, toDouble(x), toDouble(e), GRID, BATCH);
                assertClose("block " + block + " q", q.toArray(), ref.q());
                assertClose("block " + block + " k", k.toArray(), ref.k());
                assertClose("block " + block + " v", v.toArray(), ref.v());

                ModelSessions.run(sessions.post(block), Map.of(StageGraphs.X, xt.tensor(), StageGraphs.ATTN, at.tensor(),
                        StageGraphs.E, et.tensor(), StageGraphs.TEXT_STATES, tt.tensor(), StageGraphs.TEXT_MASK, mt.tensor()),
                        Map.of(StageGraphs.X_OUT, out.tensor()), "post");
                assertClose("block " + block + " post", out.toArray(),
                        reference.post(block, toDouble(x), toDouble(attn), toDouble(e), toDouble(text), toDouble(mask), BATCH, n));
            }
        }
    }

    @Test
    void headMatchesReference() {
        int n = GRID.volume();
        int d = config.hidden();
        float[] x = normal(8, BATCH * n * d, 1);
        float[] temb = normal(9, BATCH * d, 0.5);
        try (OrtBuffers.Floats xt = OrtBuffers.floats(env, x, BATCH, n, d);
             OrtBuffers.Floats tt = OrtBuffers.floats(env, temb, BATCH, d);
             OrtBuffers.Floats out = OrtBuffers.floats(env, BATCH, n, config.patchSize())) {
            ModelSessions.run(sessions.head(), Map.of(StageGraphs.X, xt.tensor(), StageGraphs.TEMB, tt.tensor()),
                    Map.of(StageGraphs.VELOCITY, out.tensor()), "head");
            assertClose("velocity", out.toArray(), reference.head(toDouble(x), toDouble(temb), BATCH, n));
        }
    }

    private static void assertClose(String what, float[] actual, double[] expected) {
        double err = relL2(actual, expected);
        assertTrue(err < REL_L2, what + " relL2 " + err);
    }
}
