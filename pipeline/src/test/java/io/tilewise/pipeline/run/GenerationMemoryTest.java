package io.tilewise.pipeline.run;

import io.tilewise.pipeline.family.tiny.TinyStages;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.attention.memory.MemoryLimit;
import io.tilewise.attention.memory.MemoryLimitException;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.onnx.ModelSessions;
import org.junit.jupiter.api.Test;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Memory limits (issue 9): a generation's estimate, checked before anything is allocated. */
class GenerationMemoryTest {

    private static final ModelConfig CONFIG = TinyModels.small(2);
    private static final GenerationRequest REQUEST = GenerationRequest.defaults(TinyModels.small(2), "a red circle").withSize(2, 16, 16)
            .withSteps(2).withGuidance(4.0).withShift(3.0).withSeed(5);

    /** The ORT buffer part covers what WorkspaceBuffers really allocates as direct memory (and is not far above). */
    @Test
    void ortBufferPartCoversTheWorkspaceBuffers() {
        ModelWeights weights = TinyModels.randomWeights(CONFIG, 1);
        MemoryEstimate e = GenerationMemory.estimate(CONFIG, REQUEST, AttentionPolicy.parse("dense"));
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        try (ModelSessions sessions = new ModelSessions(weights, 1)) {
            long before = direct.getMemoryUsed();
            long used;
            try (TinyStages ignored = new TinyStages(sessions, CONFIG, new TokenGrid(2, 4, 4), 2)) {
                used = direct.getMemoryUsed() - before;
            }
            long part = e.parts().get("ORT buffers");
            assertTrue(used > 0 && used <= part && part <= 2 * used, "allocated " + used + ", estimated " + part);
        }
        long weightValues = ModelWeights.expectedShapes(CONFIG).values().stream()
                .mapToLong(s -> s.length == 1 ? s[0] : s[0] * s[1]).sum();
        assertEquals(2 * 4 * weightValues, e.parts().get("model weights"), "heap copy and ORT copy");
    }

    @Test
    void overTheLimitIsRefusedBeforeTheRunStarts() {
        try (Pipeline p = Pipeline.of(TinyModels.randomWeights(CONFIG, 1),
                new Pipeline.Options(1, null).withMemoryLimit(MemoryLimit.of("64k", "--memory-limit")))) {
            boolean[] started = {false};
            MemoryLimitException e = assertThrows(MemoryLimitException.class, () -> p.generate(REQUEST, s -> started[0] = true));
            assertFalse(started[0], "no step ran");
            assertTrue(e.getMessage().startsWith("generation of 2 frames of 16x16 px (32 tokens, 2 CFG branches) needs an estimated "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("over the memory limit of 64.0 KiB (--memory-limit)"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"));
            assertTrue(e.estimate().totalBytes() > 64 << 10);
        }
        // the default limit lets the same run through
        try (Pipeline p = Pipeline.of(TinyModels.randomWeights(CONFIG, 1), new Pipeline.Options(1, null))) {
            assertEquals(2 * 16 * 16 * 3, p.generate(REQUEST).video().rgb().length);
        }
    }

    /** Sizes that no JVM array or direct buffer can hold are refused by name, at any limit. */
    @Test
    void sizesPastTheJvmsArrayLimitsAreRefused() {
        AttentionPolicy dense = AttentionPolicy.parse("dense");
        var huge = GenerationRequest.defaults(TinyModels.small(2), "a").withSize(4096, 4096, 4096)
                .withSteps(1).withGuidance(4.0).withShift(3.0).withSeed(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenerationMemory.estimate(CONFIG, huge, dense));
        assertTrue(e.getMessage().startsWith("the latent (4294967296 tokens x 48 values) has 412316860416 values, more than one Java array"),
                e.getMessage());
        try (Pipeline p = Pipeline.of(TinyModels.randomWeights(CONFIG, 1), new Pipeline.Options(1, null)
                .withMemoryLimit(MemoryLimit.of("1000t", "test")))) {
            assertThrows(IllegalArgumentException.class, () -> p.generate(huge));
        }
    }

    @Test
    void estimateGrowsWithTokensAndMethods() {
        MemoryEstimate small = GenerationMemory.estimate(CONFIG, REQUEST, AttentionPolicy.parse("dense"));
        MemoryEstimate twoMethods = GenerationMemory.estimate(CONFIG, REQUEST, AttentionPolicy.parse("dense@steps<1;radial"));
        MemoryEstimate bigger = GenerationMemory.estimate(CONFIG, GenerationRequest.defaults(TinyModels.small(2), "a").withSize(8, 64, 64)
                .withSteps(2).withGuidance(4.0).withShift(3.0).withSeed(5),
                AttentionPolicy.parse("dense"));
        assertTrue(twoMethods.parts().get("attention workspace") > small.parts().get("attention workspace"));
        assertTrue(bigger.totalBytes() > small.totalBytes());
        assertEquals(small.parts().get("model weights"), bigger.parts().get("model weights"));
        var noCfg = GenerationRequest.defaults(TinyModels.small(2), "a").withSize(2, 16, 16)
                .withSteps(2).withGuidance(1.0).withShift(3.0).withSeed(5);
        assertTrue(GenerationMemory.estimate(CONFIG, noCfg, AttentionPolicy.parse("dense")).parts().get("ORT buffers")
                < small.parts().get("ORT buffers"), "guidance 1 runs one branch");
    }

    /** A step cache holds, per branch, 4 hidden-state arrays plus its residual history, and one shared work array. */
    @Test
    void stepCacheArraysAreCounted() {
        long n = 2 * 4 * 4; // 2 frames of 16x16 px in 4x4 patches
        long d = CONFIG.hidden();
        assertEquals(null, GenerationMemory.estimate(CONFIG, REQUEST, AttentionPolicy.parse("dense")).parts().get("step cache"));
        MemoryEstimate fb = GenerationMemory.estimate(CONFIG, REQUEST.withStepCache("fbcache"), AttentionPolicy.parse("dense"));
        assertEquals((2 * (4 + 1) + 1) * n * d * Float.BYTES, fb.parts().get("step cache"));
        MemoryEstimate taylor = GenerationMemory.estimate(CONFIG, REQUEST.withStepCache("taylor:order=2"), AttentionPolicy.parse("dense"));
        assertEquals((2 * (4 + 3) + 1) * n * d * Float.BYTES, taylor.parts().get("step cache"));
    }
}
