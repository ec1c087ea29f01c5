package io.tilewise.pipeline.run;

import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.testkit.Arrays2;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Residual reuse ({@code cache(tau=N):METHOD}) on a bidirectional random model, through the pipeline's policy. */
class ResidualReusePipelineTest {

    /** 4 frames of 32×32 px: a 4×8×8 grid, where a 3×3×3 GNA window is sparse. */
    private static final GenerationRequest REQUEST = GenerationRequest.defaults(TinyModels.small(2), "a blue square moving up on a gray background").withSize(4, 32, 32)
            .withSteps(4).withGuidance(4.0).withShift(3.0).withSeed(3);
    private static final String GNA = "gna:window=3x3x3";

    @TempDir
    static Path dir;
    private static Pipeline pipeline;

    @BeforeAll
    static void open() {
        TinyModels.write(dir.resolve("model"), TinyModels.small(2), 17);
        pipeline = Pipeline.open(dir.resolve("model"), new Pipeline.Options(1, null));
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void refreshingEveryStepIsDenseAndCachedStateIsResetBetweenGenerations() {
        float[] dense = pipeline.generate(REQUEST).video().rgb();
        float[] sparse = pipeline.generate(REQUEST.withPolicy(GNA)).video().rgb();
        GenerationResult always = pipeline.generate(REQUEST.withPolicy("cache(tau=1):" + GNA));
        double sparseErr = Arrays2.relL2(sparse, Arrays2.toDouble(dense));
        double alwaysErr = Arrays2.relL2(always.video().rgb(), Arrays2.toDouble(dense));
        assertTrue(sparseErr > 1e-3, "the GNA window must matter on this grid: " + sparseErr);
        assertTrue(alwaysErr < 1e-4, "cache(tau=1) = dense: " + alwaysErr);

        GenerationResult a = pipeline.generate(REQUEST.withPolicy("cache(tau=3):" + GNA));
        long held = pipeline.attentionStateBytes();
        GenerationResult b = pipeline.generate(REQUEST.withPolicy("cache(tau=3):" + GNA));
        assertArrayEquals(a.video().rgb(), b.video().rgb(), "two identical generations, identical output");
        // blocks × branches parts of heads × tokens × (headDim + 1) floats
        assertEquals(2L * 2 * 2 * 256 * (8 + 1) * Float.BYTES, held);
        assertFalse(java.util.Arrays.equals(a.video().rgb(), always.video().rgb()), "tau=3 reuses cached parts");
        long refreshCalls = a.attentionCalls().stream().filter(c -> c.executedDensity() > 0.99).count();
        assertEquals(2L * 2 * 2, refreshCalls, "steps 0 and 3 refresh, for 2 blocks × 2 branches");
    }

    @Test
    void flashBlockNeedsABlockCausalModel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pipeline.generate(REQUEST.withPolicy("flashblock:tau=2")));
        assertTrue(e.getMessage().contains("block-causal") && !e.getMessage().contains("\n"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pipeline.generateStreaming(REQUEST, StreamOptions.defaults(), null, null));
    }
}
