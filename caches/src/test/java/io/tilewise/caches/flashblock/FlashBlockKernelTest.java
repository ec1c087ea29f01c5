package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.radial.RadialKernel;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.caches.plans.ChunkCausal;
import io.tilewise.caches.testkit.Attn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FlashBlock and block-causal attention over a full sequence (all chunks denoised together). */
class FlashBlockKernelTest {

    /** 8 frames of 8×8 in chunks of 2 frames: 4 chunks of 128 tokens. */
    private static final AttentionShape SHAPE = Attn.shape(2, 32, 8, 8, 8);
    private static final int CHUNK = 2;
    private static final ChunkCausal CAUSAL = new ChunkCausal(SHAPE.layout(), CHUNK);

    private static void forward(AttentionSession s, Attn.Problem p, int step, Branch branch, Attn.Result r) {
        s.forward(p.q(), p.k(), p.v(), Attn.at(step, 0, branch), r.out(), r.lse());
    }

    @Test
    void blockCausalMatchesTheMaskedReference() {
        AttentionKernel dense = BlockCausalKernel.of(AttentionMethods.create("dense"), CHUNK);
        RadialKernel radial = (RadialKernel) AttentionMethods.create("radial:decay=0.5,block=64");
        BlockSparsePlan radialPlan = radial.plan(SHAPE);
        TokenMask radialCausal = (q, k) -> radialPlan.allows(0, q, k) && CAUSAL.mask().allowed(q, k);
        try (Attn.Problem p = Attn.Problem.random(SHAPE, 1);
             Attn.Result expected = Attn.reference(p.q(), p.k(), p.v(), CAUSAL.mask());
             Attn.Result expectedRadial = Attn.reference(p.q(), p.k(), p.v(), radialCausal);
             Attn.Result actual = Attn.Result.like(p.q());
             AttentionSession s = dense.prepare(SHAPE);
             AttentionSession r = BlockCausalKernel.of(radial, CHUNK).prepare(SHAPE);
             AttentionSession flash = AttentionMethods.create("flashblock:tau=1,chunk=" + CHUNK).prepare(SHAPE)) {
            forward(s, p, 0, Branch.COND, actual);
            Attn.assertClose(expected.out(), actual.out(), Attn.REL_L2, "block-causal dense");
            Attn.assertClose(expected.lse(), actual.lse(), Attn.REL_L2, "block-causal dense lse");
            forward(flash, p, 0, Branch.COND, actual);
            Attn.assertClose(expected.out(), actual.out(), Attn.REL_L2, "flashblock tau=1");
            forward(r, p, 0, Branch.COND, actual);
            Attn.assertClose(expectedRadial.out(), actual.out(), Attn.REL_L2, "block-causal radial");
        }
    }

    @Test
    void tauOneEqualsTheUncachedBlockCausalRunBitForBit() {
        try (AttentionSession uncached = BlockCausalKernel.of(AttentionMethods.create("dense"), CHUNK).prepare(SHAPE);
             AttentionSession flash = BlockCausalKernel.of(AttentionMethods.create("flashblock:tau=1"), CHUNK).prepare(SHAPE)) {
            for (int step = 0; step < 4; step++) {
                try (Attn.Problem p = Attn.Problem.random(SHAPE, 10 + step);
                     Attn.Result a = Attn.Result.like(p.q());
                     Attn.Result b = Attn.Result.like(p.q())) {
                    for (Branch branch : Branch.values()) {
                        forward(uncached, p, step, branch, a);
                        forward(flash, p, step, branch, b);
                        Attn.assertBitEqual(a.out(), b.out(), "step " + step + " " + branch);
                        Attn.assertBitEqual(a.lse(), b.lse(), "lse step " + step + " " + branch);
                    }
                }
            }
        }
    }

    @Test
    void cachedExternalPartEqualsRecomputingWhenInputsDidNotChange() {
        try (Attn.Problem first = Attn.Problem.random(SHAPE, 20);
             Attn.Problem moved = first.withQueries(21);
             Attn.Result refresh = Attn.Result.like(first.q());
             Attn.Result again = Attn.Result.like(first.q());
             AttentionSession flash = AttentionMethods.create("flashblock:tau=2,chunk=" + CHUNK).prepare(SHAPE)) {
            forward(flash, first, 0, Branch.COND, refresh);
            forward(flash, first, 1, Branch.COND, again);
            Attn.assertBitEqual(refresh.out(), again.out(), "unchanged inputs: cached = recomputed");
            forward(flash, moved, 2, Branch.COND, refresh);       // refresh with the moved queries
            forward(flash, first, 3, Branch.COND, again);         // cached external part is from the moved queries
            try (Attn.Result internal = Attn.reference(first.q(), first.k(), first.v(), CAUSAL.internal());
                 Attn.Result external = externalPart(moved);
                 Attn.Result expected = Attn.merged(internal, external)) {
                Attn.assertClose(expected.out(), again.out(), Attn.REL_L2, "internal(step 3) + external(step 2)");
            }
            assertEquals(CAUSAL.internalPlan().executedDensity(), flash.executedDensity(), 1e-12, "step 3 computed the internal part only");
        }
    }

    @Test
    void contextThresholdRecomputesEarlyChunksAndCachesLaterOnes() {
        try (Attn.Problem first = Attn.Problem.random(SHAPE, 25);
             Attn.Problem moved = first.withQueries(26);
             Attn.Result actual = Attn.Result.like(first.q());
             AttentionSession flash = AttentionMethods.create("flashblock:tau=3,context=2,chunk=" + CHUNK).prepare(SHAPE)) {
            forward(flash, first, 0, Branch.COND, actual);
            forward(flash, moved, 1, Branch.COND, actual);
            // chunks 0 and 1 (under 2 chunks of context) see the moved queries everywhere; chunks 2 and 3 reuse their
            // external part from step 0
            try (Attn.Result always = Attn.reference(moved.q(), moved.k(), moved.v(),
                    (q, k) -> CAUSAL.internal().allowed(q, k) || CAUSAL.chunkOf(q) < 2 && CAUSAL.external().allowed(q, k));
                 Attn.Result cached = externalPart(first, 2);
                 Attn.Result expected = Attn.merged(always, cached)) {
                Attn.assertClose(expected.out(), actual.out(), Attn.REL_L2, "always-computed(step 1) + cached external(step 0)");
            }
        }
    }

    @Test
    void condAndUncondKeepSeparateCachesAndResetClearsThem() {
        String spec = "flashblock:tau=3,chunk=" + CHUNK;
        try (Attn.Problem cond = Attn.Problem.random(SHAPE, 30);
             Attn.Problem uncond = Attn.Problem.random(SHAPE, 40);
             Attn.Problem uncondLater = uncond.withQueries(41);
             Attn.Result both = Attn.Result.like(cond.q());
             Attn.Result alone = Attn.Result.like(cond.q());
             AttentionSession s = AttentionMethods.create(spec).prepare(SHAPE);
             AttentionSession t = AttentionMethods.create(spec).prepare(SHAPE)) {
            forward(s, cond, 0, Branch.COND, both);
            forward(s, uncond, 0, Branch.UNCOND, both);
            forward(s, cond, 1, Branch.COND, both);
            forward(s, uncondLater, 1, Branch.UNCOND, both);
            forward(t, uncond, 0, Branch.UNCOND, alone);
            forward(t, uncondLater, 1, Branch.UNCOND, alone);
            Attn.assertBitEqual(alone.out(), both.out(), "uncond unaffected by cond");
            StatefulSession state = (StatefulSession) s;
            assertEquals(2L * SHAPE.heads() * SHAPE.seqLen() * (SHAPE.headDim() + 1) * Float.BYTES, state.stateBytes());
            state.resetState();
            assertEquals(0, state.stateBytes());
        }
    }

    /** A plan in permuted token orders (GNA's box tiling) is cut by the chunk-causal mask in its own orders. */
    @Test
    void blockCausalGnaInBoxOrderMatchesTheMaskedReference() {
        io.tilewise.attention.neighborhood.GnaSpec spec = io.tilewise.attention.neighborhood.GnaSpec.parse("gna:window=3x5x5");
        var kernel = new io.tilewise.attention.neighborhood.GnaKernel(spec,
                io.tilewise.attention.neighborhood.GnaTiling.boxes(new int[] {2, 4, 8}, new int[] {2, 4, 8}));
        assertFalse(kernel.tilePlan(SHAPE).orElseThrow().layoutOrder(), "the box tiling permutes tokens");
        TokenMask gna = io.tilewise.attention.neighborhood.GnaReference.mask(spec, SHAPE.layout());
        TokenMask gnaCausal = (q, k) -> gna.allowed(q, k) && CAUSAL.mask().allowed(q, k);
        try (Attn.Problem p = Attn.Problem.random(SHAPE, 3);
             Attn.Result expected = Attn.reference(p.q(), p.k(), p.v(), gnaCausal);
             Attn.Result actual = Attn.Result.like(p.q());
             AttentionSession s = BlockCausalKernel.of(kernel, CHUNK).prepare(SHAPE)) {
            forward(s, p, 0, Branch.COND, actual);
            Attn.assertClose(expected.out(), actual.out(), Attn.REL_L2, "block-causal gna");
            Attn.assertClose(expected.lse(), actual.lse(), Attn.REL_L2, "block-causal gna lse");
        }
    }

    @Test
    void refusesLayoutsAndMethodsItCannotServe() {
        assertFalse(AttentionMethods.create("flashblock:tau=2").supports(SHAPE, Device.CPU).supported(), "no chunk size");
        for (String permuting : new String[] {"pisa:density=0.5", "paro:density=0.5"}) {
            var refusal = BlockCausalKernel.of(AttentionMethods.create(permuting), CHUNK).supports(SHAPE, Device.CPU);
            assertFalse(refusal.supported(), permuting);
            assertTrue(refusal.reason().contains("chunk-causal") && !refusal.reason().contains("\n"), refusal.reason());
            assertThrows(IllegalArgumentException.class, () -> BlockCausalKernel.of(AttentionMethods.create(permuting), CHUNK).prepare(SHAPE));
        }
        assertThrows(IllegalArgumentException.class, () -> BlockCausalKernel.of(AttentionMethods.create("flashblock:chunk=3"), CHUNK));
        assertThrows(SpecException.class, () -> AttentionMethods.create("flashblock:tau=0"));
        assertThrows(SpecException.class, () -> AttentionMethods.create("flashblock:every=2"));
        assertEquals("flashblock:tau=2", AttentionMethods.create("flashblock").spec());
    }

    /** Reference of the block-external part; chunk 0 has no earlier keys, so its rows get LSE −∞ (no part). */
    private static Attn.Result externalPart(Attn.Problem p) {
        return externalPart(p, 1);
    }

    /** The external part of chunks {@code ≥ fromChunk}; earlier chunks' rows get LSE −∞ (no part). */
    private static Attn.Result externalPart(Attn.Problem p, int fromChunk) {
        Attn.Result r = Attn.reference(p.q(), p.k(), p.v(), (q, k) -> CAUSAL.external().allowed(q, k) || CAUSAL.chunkOf(q) < fromChunk);
        for (int h = 0; h < SHAPE.heads(); h++) {
            for (int q = 0; q < fromChunk * CAUSAL.tokensPerChunk(); q++) r.lse().set(0, h, q, 0, Float.NEGATIVE_INFINITY);
        }
        return r;
    }
}
