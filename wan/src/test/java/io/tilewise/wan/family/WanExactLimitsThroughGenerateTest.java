package io.tilewise.wan.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.Sampler;
import io.tilewise.pipeline.onnx.StageProvider;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.InitialNoise;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.run.StreamOptions;
import io.tilewise.wan.fixtures.WanPipelineFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every attention method at its exact limit gives dense's video through a whole Wan generation (2 UniPC steps, CFG),
 * on the odd 3x5x7 token grid of 9 frames of 80x112; streaming is refused (Wan is not block-causal).
 */
class WanExactLimitsThroughGenerateTest {

    @TempDir
    static Path dir;
    static Pipeline pipeline;
    static GenerationRequest request;
    static float[] dense;

    @BeforeAll
    static void denseRun() throws Exception {
        WanPipelineFixtures.write(dir, 3);
        pipeline = Pipeline.open(dir, new Pipeline.Options(2, null));
        float[] z0 = WanGenerationVsReferenceTest.noise(16 * 3 * 10 * 14, 4);
        request = GenerationRequest.defaults(pipeline.card(), "a cat jumps over the tree").withSize(9, 80, 112).withSteps(2)
                .withNoise(new InitialNoise(new int[] {1, 16, 3, 10, 14}, z0));
        dense = pipeline.generate(request).video().rgb();
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gna:window=3x5x7", "radial:decay=100,block=16", "pisa:density=1,block=16",
            "blocksparse:keep=1,tile=16", "paro:density=1,block=16", "dense@layers=0;pisa:density=1,block=32",
            "dense@steps<1;gna:window=3x5x7"})
    void exactLimitEqualsDense(String policy) {
        float[] got = pipeline.generate(request.withPolicy(policy)).video().rgb();
        double num = 0;
        double den = 0;
        for (int i = 0; i < got.length; i++) {
            num += (double) (got[i] - dense[i]) * (got[i] - dense[i]);
            den += (double) dense[i] * dense[i];
        }
        double err = Math.sqrt(num / den);
        assertTrue(err < 1e-5, policy + ": relative L2 to dense " + err);
    }

    /** The transformer's sessions are freed while a clip is decoded and built again for the next run: the same clip. */
    @Test
    void transformerReleasedForDecodingAndRebuiltGivesTheSameClip() {
        float[] again = pipeline.generate(request).video().rgb();
        assertFalse(((WanModel) pipeline.model()).transformerLoaded(), "released after decoding");
        org.junit.jupiter.api.Assertions.assertArrayEquals(dense, again);
    }

    /** Step caches reach Wan through the family interface: never skipping equals the uncached run bit for bit. */
    @ParameterizedTest
    @ValueSource(strings = {"fbcache:threshold=0", "taylor:order=1,threshold=0", "fbcache:threshold=0,first=2"})
    void stepCacheThatNeverSkipsEqualsTheUncachedRun(String stepCache) {
        float[] got = pipeline.generate(request.withStepCache(stepCache)).video().rgb();
        org.junit.jupiter.api.Assertions.assertArrayEquals(dense, got, stepCache);
    }

    /** A step cache that does skip changes the result, and says how many steps each branch computed. */
    @Test
    void aSkippingStepCacheSkips() {
        var uncached = pipeline.generate(request.withSteps(4));
        var result = pipeline.generate(request.withSteps(4).withStepCache("fbcache:threshold=100,warmup=1,max_skip=2"));
        assertTrue(result.stepCache().skippedTotal() > 0, result.stepCache().toString());
        assertTrue(result.stepCache().computed()[0] < 4, result.stepCache().toString());
        assertTrue(!java.util.Arrays.equals(uncached.video().rgb(), result.video().rgb()), "skipped steps change the clip");
    }

    /**
     * CFG-reuse steps run Wan's block and head stages at batch 1 on the conditional item's buffers: the clip equals the
     * one from stages that run both items on every step.
     */
    @Test
    void cfgReuseStepsAtBatchOneGiveTheFullBatchClip() {
        GenerationRequest cached = request.withSteps(4).withStepCache("fbcache:threshold=0,warmup=1,cfg=2");
        var narrowed = pipeline.generate(cached);
        org.junit.jupiter.api.Assertions.assertEquals(2, narrowed.stepCache().cfgReused(), narrowed.stepCache().toString());
        float[] full;
        try (Pipeline both = Pipeline.of(new FullBatchModel(pipeline.model()), new Pipeline.Options(2, null))) {
            full = both.generate(cached).video().rgb();
        }
        float[] got = narrowed.video().rgb();
        double num = 0, den = 0;
        for (int i = 0; i < got.length; i++) {
            num += (double) (got[i] - full[i]) * (got[i] - full[i]);
            den += (double) full[i] * full[i];
        }
        assertTrue(Math.sqrt(num / den) < 1e-6, "relative L2 to the full-batch run " + Math.sqrt(num / den));
        assertFalse(java.util.Arrays.equals(got, dense), "the CFG cache changes the clip");
    }

    /** {@code model} with stages that ignore {@link DenoiserStages#limitBranches}; closing it leaves the model open. */
    private record FullBatchModel(DenoiserModel model) implements DenoiserModel {
        public ModelCard card() { return model.card(); }
        public LatentLayout layout(int frames, int height, int width) { return model.layout(frames, height, width); }
        public DenoiserStages stages(TokenGrid grid, int batch) { return new FullBatchStages(model.stages(grid, batch)); }
        public Sampler sampler(int steps, double shift) { return model.sampler(steps, shift); }
        public Sampler sampler(int steps, double shift, String scheduler) { return model.sampler(steps, shift, scheduler); }
        public void phaseListener(io.tilewise.pipeline.run.StepListener listener) { model.phaseListener(listener); }
        public java.util.List<String> promptWarnings(String prompt) { return model.promptWarnings(prompt); }
        public void estimateMemory(MemoryEstimate.Builder e, LatentLayout l, int batch, int frames) { model.estimateMemory(e, l, batch, frames); }
        public StageProvider stageProvider() { return model.stageProvider(); }
        public void close() { }
    }

    private record FullBatchStages(DenoiserStages s) implements DenoiserStages {
        public int batch() { return s.batch(); }
        public long encodeText(java.util.List<String> prompts) { return s.encodeText(prompts); }
        public void framePositions(TokenGrid grid, int firstFrame, int clipFrames) { s.framePositions(grid, firstFrame, clipFrames); }
        public long embed(float[] latent, double time) { return s.embed(latent, time); }
        public long pre(int layer) { return s.pre(layer); }
        public long post(int layer) { return s.post(layer); }
        public long head() { return s.head(); }
        public int hiddenValues() { return s.hiddenValues(); }
        public void readHidden(int branch, float[] into) { s.readHidden(branch, into); }
        public void writeHidden(int branch, float[] from) { s.writeHidden(branch, from); }
        public Tensor q(int branch) { return s.q(branch); }
        public Tensor k(int branch) { return s.k(branch); }
        public Tensor v(int branch) { return s.v(branch); }
        public Tensor out(int branch) { return s.out(branch); }
        public float[] output() { return s.output(); }
        public long hostToDeviceBytes() { return s.hostToDeviceBytes(); }
        public long deviceToHostBytes() { return s.deviceToHostBytes(); }
        public void close() { s.close(); }
    }

    @Test
    void streamingIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipeline.generateStreaming(request, StreamOptions.defaults(), null, null));
        assertTrue(e.getMessage().contains("not block-causal"), e.getMessage());
    }

    @Test
    void sizeRules() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipeline.generate(request.withNoise(null).withSize(5, 40, 48)));
        assertTrue(e.getMessage().startsWith("height 40 and width 48 must be multiples of 16"), e.getMessage());
        var layout = pipeline.model().layout(7, 32, 32);
        assertTrue(layout.warnings().getFirst().contains("frames 7 is not 4n+1; rounded to 5"), layout.warnings().toString());
        assertTrue(layout.grid().frames() == 2, layout.grid().toString());
        IllegalArgumentException noise = assertThrows(IllegalArgumentException.class,
                () -> pipeline.generate(request.withSize(5, 32, 32)));
        assertTrue(noise.getMessage().contains("needs [1, 16, 2, 4, 4]"), noise.getMessage());
        IllegalArgumentException scheduler = assertThrows(IllegalArgumentException.class,
                () -> pipeline.generate(request.withScheduler("ddim")));
        assertTrue(scheduler.getMessage().contains("ddim"), scheduler.getMessage());
    }
}
