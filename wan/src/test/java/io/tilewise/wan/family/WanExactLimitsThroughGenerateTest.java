package io.tilewise.wan.family;

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
