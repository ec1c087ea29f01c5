package io.tilewise.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.flashblock.BlockCausalKernel;
import io.tilewise.cli.toy.ToyKernel;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A method registered only in test code ({@code toy}, package {@code io.tilewise.cli.toy} and this module's test
 * {@code META-INF/services} file) works everywhere a method is used without any edit outside its package:
 * {@code inspect}, the sweep's dry-run density, residual reuse ({@code cache(tau=2):toy}) and the block-causal
 * wrapper. Expected values come from the toy's rule — query tile qt keeps key tiles kt ≡ qt (mod stride) of 16
 * tokens — evaluated pair by pair here, and from the fp64 reference.
 */
class NewMethodPlugsInTest {

    private static final TokenLayout LAYOUT = TokenLayout.video(new TokenGrid(2, 8, 8));
    private static final AttentionShape SHAPE = new AttentionShape(1, 2, 16, LAYOUT);
    private static final int STRIDE = 4;

    @TempDir
    Path dir;

    /** The toy's rule on token positions. */
    private static final TokenMask TOY = (q, k) -> Math.floorMod(k / ToyKernel.TILE - q / ToyKernel.TILE, STRIDE) == 0;

    private static double toyDensity(TokenLayout layout) {
        long kept = 0;
        int n = layout.seqLen();
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) if (TOY.allowed(q, k)) kept++;
        }
        return kept / ((double) n * n);
    }

    @Test
    void inspectDrawsItsPlan() throws Exception {
        Path json = dir.resolve("toy.json");
        CliRun run = CliRun.of("inspect", "--method", "toy:stride=" + STRIDE, "--grid", "2,8,8", "--json", json.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonNode node = new ObjectMapper().readTree(json.toFile());
        assertEquals(0.25, toyDensity(LAYOUT), 1e-12, "128 tokens, 8 tiles, 2 kept per row");
        assertEquals(toyDensity(LAYOUT), node.get("executedDensity").asDouble(), 1e-12);
        assertEquals(toyDensity(LAYOUT), node.get("tokenDensity").asDouble(), 1e-12);
    }

    @Test
    void sweepDryRunPredictsItAndItsCachedForm() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
        Path spec = dir.resolve("sweep.json");
        // patch 1x4x4: 2x32x32 px is the 2x8x8 token grid of LAYOUT
        Files.writeString(spec, """
                {"methods": [{"method": "toy", "params": {"stride": [4]}},
                             {"method": "toy", "params": {"stride": [2]}, "policy": "cache(tau=2):{spec}"}],
                 "prompts": ["a red circle"], "seeds": [0], "sizes": ["2x32x32"], "steps": 2}
                """);
        CliRun dry = CliRun.of("sweep", "--spec", spec.toString(), "--out", dir.resolve("out").toString(), "--model", model.toString(),
                "--dry-run");
        assertEquals(0, dry.exitCode(), dry.err());
        assertTrue(dry.out().contains("3 cells: 3 supported"), dry.out()); // and the dense reference cell
        assertEquals(0.25, SweepDryRunDensityTest.density(dry.out(), "toy:stride=4"), 5e-4, dry.out());
        // stride 2 keeps half; the cache adds the other half at one call in two
        assertEquals(0.5 + 0.5 / 2, SweepDryRunDensityTest.density(dry.out(), "cache(tau=2):toy:stride=2"), 5e-4, dry.out());
    }

    /**
     * {@code cache(tau=2):toy}, reuse=delta: step 0 refreshes (dense result), step 1 reuses: toy(q1) + dense(q0) − toy(q0),
     * computing only the toy's pairs.
     */
    @Test
    void residualReuseCachesWhatItDrops() {
        AttentionKernel cached = AttentionMethods.create("cache(tau=2):toy:stride=" + STRIDE);
        assertTrue(cached.supports(SHAPE, io.tilewise.attention.api.Device.CPU).supported());
        AttentionContext ctx = AttentionContext.standalone();
        float scale = ctx.scaleFor(SHAPE.headDim());
        try (Tensor q0 = random(1); Tensor k0 = random(2); Tensor v0 = random(3);
             Tensor q1 = random(4); Tensor k1 = random(5); Tensor v1 = random(6);
             Tensor out = q0.zerosLike(); AttentionSession s = cached.prepare(SHAPE)) {
            s.forward(q0, k0, v0, ctx.withStep(0, 2, 1.0), out);
            float[] dense0 = reference(q0, k0, v0, scale, (q, k) -> true);
            assertClose(dense0, out.toArray(), "refresh step = dense");
            assertEquals(1.0, s.executedDensity(), 1e-12);
            s.forward(q1, k1, v1, ctx.withStep(1, 2, 0.5), out);
            float[] toy1 = reference(q1, k1, v1, scale, TOY);
            float[] toy0 = reference(q0, k0, v0, scale, TOY);
            float[] expected = new float[toy1.length];
            for (int i = 0; i < expected.length; i++) expected[i] = (float) ((double) toy1[i] + dense0[i] - toy0[i]);
            assertClose(expected, out.toArray(), "reused step");
            assertEquals(toyDensity(LAYOUT), s.executedDensity(), 1e-12);
        }
    }

    /** Full-clip block-causal generation restricts the toy's plan to own and earlier chunks (2 chunks of 1 frame). */
    @Test
    void blockCausalWrapperRestrictsItsPlan() {
        AttentionKernel causal = BlockCausalKernel.of(AttentionMethods.create("toy:stride=" + STRIDE), 1);
        int perFrame = LAYOUT.grid().tokensPerFrame();
        TokenMask toyCausal = (q, k) -> TOY.allowed(q, k) && k / perFrame <= q / perFrame;
        AttentionContext ctx = AttentionContext.standalone();
        try (Tensor q = random(7); Tensor k = random(8); Tensor v = random(9);
             Tensor out = q.zerosLike(); AttentionSession s = causal.prepare(SHAPE)) {
            s.forward(q, k, v, ctx, out);
            assertClose(reference(q, k, v, ctx.scaleFor(SHAPE.headDim()), toyCausal), out.toArray(), "block-causal toy");
        }
    }

    private static Tensor random(long seed) {
        return Tensor.randomNormal(seed, 1f, SHAPE.batch(), SHAPE.heads(), SHAPE.seqLen(), SHAPE.headDim());
    }

    private static float[] reference(Tensor q, Tensor k, Tensor v, float scale, TokenMask mask) {
        try (Tensor out = q.zerosLike()) {
            DenseReference.forward(q, k, v, scale, mask, out, null);
            return out.toArray();
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        TensorMetrics m = TensorMetrics.compare(actual, expected);
        assertTrue(m.relL2() < 1e-5, () -> what + ": " + m);
    }
}
