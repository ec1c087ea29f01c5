package io.tilewise.caches.flashblock;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.neighborhood.GnaKernel;
import io.tilewise.attention.neighborhood.GnaMask;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.testkit.Attn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Streaming chunk attention: the chunk's queries against a key/value cache of earlier chunks plus its own keys.
 * The reference is the fp64 dense attention of the concatenated sequence (context first, chunk last), rows of the
 * chunk, under the block-causal mask (which lets the last chunk see everything).
 */
class ChunkAttentionTest {

    private static final int HEADS = 2;
    private static final int HEAD_DIM = 32;
    /** A chunk of 2 frames of 8×8. */
    private static final AttentionShape CHUNK = Attn.shape(HEADS, HEAD_DIM, 2, 8, 8);
    private static final int N = CHUNK.seqLen();
    /** Context of up to 4 chunks. */
    private static final int CAPACITY = 4 * N;

    /** q, k, v of a chunk and a context cache filled with {@code contextTokens} rows. */
    private record Setup(Attn.Problem chunk, Tensor contextK, Tensor contextV, int contextTokens) implements AutoCloseable {
        static Setup random(long seed, int contextTokens) {
            Attn.Problem chunk = Attn.Problem.random(CHUNK, seed);
            Tensor k = Tensor.randomNormal(seed + 10, 1.5f, 1, HEADS, CAPACITY, HEAD_DIM);
            Tensor v = Tensor.randomNormal(seed + 11, 1f, 1, HEADS, CAPACITY, HEAD_DIM);
            return new Setup(chunk, k, v, contextTokens);
        }

        KvContext kv(long version) {
            return new KvContext(contextK, contextV, contextTokens, version);
        }

        Setup withQueries(long seed) {
            return new Setup(chunk.withQueries(seed), Attn.copy(contextK), Attn.copy(contextV), contextTokens);
        }

        /** Reference over (context ∪ chunk) keys for the chunk's queries; {@code internal} restricts the own-chunk keys. */
        Attn.Result reference(io.tilewise.attention.api.TokenMask internal) {
            int total = contextTokens + N;
            try (Tensor q = Tensor.allocate(1, HEADS, total, HEAD_DIM);
                 Tensor k = Tensor.allocate(1, HEADS, total, HEAD_DIM);
                 Tensor v = Tensor.allocate(1, HEADS, total, HEAD_DIM);
                 Attn.Result full = Attn.Result.like(q)) {
                float[] rows = new float[total * HEAD_DIM];
                for (int h = 0; h < HEADS; h++) {
                    concat(contextK, chunk.k(), k, h, rows);
                    concat(contextV, chunk.v(), v, h, rows);
                    chunk.q().copyRowsTo(0, h, 0, N, rows, 0);
                    q.copyRowsFrom(0, h, contextTokens, N, rows, 0);
                }
                int c = contextTokens;
                Attn.Result r = Attn.reference(q, k, v, (qi, ki) -> ki < c || (qi >= c && internal.allowed(qi - c, ki - c)));
                try (r) {
                    Attn.Result out = Attn.Result.like(chunk.q());
                    for (int h = 0; h < HEADS; h++) {
                        r.out().copyRowsTo(0, h, c, N, rows, 0);
                        out.out().copyRowsFrom(0, h, 0, N, rows, 0);
                        r.lse().copyRowsTo(0, h, c, N, rows, 0);
                        out.lse().copyRowsFrom(0, h, 0, N, rows, 0);
                    }
                    return out;
                }
            }
        }

        private void concat(Tensor context, Tensor own, Tensor dst, int h, float[] rows) {
            context.copyRowsTo(0, h, 0, contextTokens, rows, 0);
            own.copyRowsTo(0, h, 0, N, rows, contextTokens * HEAD_DIM);
            dst.copyRowsFrom(0, h, 0, contextTokens + N, rows, 0);
        }

        @Override
        public void close() {
            chunk.close();
            contextK.close();
            contextV.close();
        }
    }

    private static AttentionContext at(int step, Branch branch) {
        return Attn.at(step, 0, branch);
    }

    @Test
    void uncachedMatchesTheReferenceWithAndWithoutContext() {
        for (int context : new int[] {0, N, 3 * N + 64}) {
            try (Setup s = Setup.random(context, context);
                 Attn.Result expected = s.reference((q, k) -> true);
                 Attn.Result actual = Attn.Result.like(s.chunk().q());
                 AttentionSession dense = AttentionMethods.create("dense").prepare(CHUNK);
                 ChunkAttention attention = ChunkAttention.uncached(CHUNK)) {
                attention.forward(dense, s.chunk().q(), s.chunk().k(), s.chunk().v(), s.kv(1), at(0, Branch.COND), actual.out());
                Attn.assertClose(expected.out(), actual.out(), Attn.REL_L2, "context " + context);
            }
        }
    }

    @Test
    void aSparseMethodAppliesToTheChunksOwnAttention() {
        GnaKernel gna = (GnaKernel) AttentionMethods.create("gna:window=1x3x3");
        GnaMask window = new GnaMask(gna.gnaSpec(), CHUNK.layout());
        try (Setup s = Setup.random(5, 2 * N);
             Attn.Result expected = s.reference(window);
             Attn.Result actual = Attn.Result.like(s.chunk().q());
             AttentionSession internal = gna.prepare(CHUNK);
             ChunkAttention attention = ChunkAttention.uncached(CHUNK)) {
            attention.forward(internal, s.chunk().q(), s.chunk().k(), s.chunk().v(), s.kv(1), at(0, Branch.COND), actual.out());
            Attn.assertClose(expected.out(), actual.out(), Attn.REL_L2, "GNA inside the chunk, dense context");
        }
    }

    @Test
    void tauOneEqualsUncachedBitForBit() {
        try (AttentionSession dense = AttentionMethods.create("dense").prepare(CHUNK);
             ChunkAttention uncached = ChunkAttention.uncached(CHUNK);
             ChunkAttention flash = ChunkAttention.flashBlock(CHUNK, 1)) {
            for (int step = 0; step < 4; step++) {
                try (Setup s = Setup.random(100 + step, 4 * N);
                     Attn.Result a = Attn.Result.like(s.chunk().q());
                     Attn.Result b = Attn.Result.like(s.chunk().q())) {
                    for (Branch branch : Branch.values()) {
                        uncached.forward(dense, s.chunk().q(), s.chunk().k(), s.chunk().v(), s.kv(7), at(step, branch), a.out());
                        flash.forward(dense, s.chunk().q(), s.chunk().k(), s.chunk().v(), s.kv(7), at(step, branch), b.out());
                        Attn.assertBitEqual(a.out(), b.out(), "step " + step + " " + branch);
                        assertTrue(flash.lastRefreshed());
                    }
                }
            }
        }
    }

    @Test
    void cachedExternalPartEqualsRecomputingWhenQueriesDidNotChange() {
        try (Setup first = Setup.random(200, 4 * N);
             Setup moved = first.withQueries(201);
             Attn.Result refresh = Attn.Result.like(first.chunk().q());
             Attn.Result again = Attn.Result.like(first.chunk().q());
             AttentionSession dense = AttentionMethods.create("dense").prepare(CHUNK);
             ChunkAttention flash = ChunkAttention.flashBlock(CHUNK, 3)) {
            flash.forward(dense, first.chunk().q(), first.chunk().k(), first.chunk().v(), first.kv(1), at(0, Branch.COND), refresh.out());
            flash.forward(dense, first.chunk().q(), first.chunk().k(), first.chunk().v(), first.kv(1), at(1, Branch.COND), again.out());
            assertFalse(flash.lastRefreshed());
            Attn.assertBitEqual(refresh.out(), again.out(), "unchanged queries: cached = recomputed");
            assertEquals(1.0 / 5, flash.executedDensity(), 1e-12, "only the chunk's own keys: 1 of 5 chunks");
            // queries move (a later denoising step): external part still from step 0's queries
            flash.forward(dense, moved.chunk().q(), moved.chunk().k(), moved.chunk().v(), moved.kv(1), at(2, Branch.COND), again.out());
            try (Attn.Result internal = Attn.reference(moved.chunk().q(), moved.chunk().k(), moved.chunk().v(), null);
                 Attn.Result external = first.reference((q, k) -> false);
                 Attn.Result expected = Attn.merged(internal, external);
                 Attn.Result recomputed = moved.reference((q, k) -> true)) {
                Attn.assertClose(expected.out(), again.out(), Attn.REL_L2, "internal(step-2 q) + external(step-0 q)");
                assertFalse(Attn.bitEqual(recomputed.out(), again.out()), "between refreshes the result differs from recomputing");
            }
            // a new context version (next chunk) forces a refresh even within tau
            flash.forward(dense, moved.chunk().q(), moved.chunk().k(), moved.chunk().v(), moved.kv(2), at(2, Branch.COND), again.out());
            assertTrue(flash.lastRefreshed());
            try (Attn.Result expected = moved.reference((q, k) -> true)) {
                Attn.assertClose(expected.out(), again.out(), Attn.REL_L2, "refreshed on a new context");
            }
        }
    }

    @Test
    void condAndUncondAreIsolatedAndResetClearsTheCache() {
        try (Setup cond = Setup.random(300, 2 * N);
             Setup uncond = Setup.random(400, 2 * N);
             Setup uncondLater = uncond.withQueries(401);
             Attn.Result both = Attn.Result.like(cond.chunk().q());
             Attn.Result alone = Attn.Result.like(cond.chunk().q());
             AttentionSession dense = AttentionMethods.create("dense").prepare(CHUNK);
             ChunkAttention s = ChunkAttention.flashBlock(CHUNK, 4);
             ChunkAttention t = ChunkAttention.flashBlock(CHUNK, 4)) {
            s.forward(dense, cond.chunk().q(), cond.chunk().k(), cond.chunk().v(), cond.kv(1), at(0, Branch.COND), both.out());
            s.forward(dense, uncond.chunk().q(), uncond.chunk().k(), uncond.chunk().v(), uncond.kv(1), at(0, Branch.UNCOND), both.out());
            s.forward(dense, cond.chunk().q(), cond.chunk().k(), cond.chunk().v(), cond.kv(1), at(1, Branch.COND), both.out());
            s.forward(dense, uncondLater.chunk().q(), uncondLater.chunk().k(), uncondLater.chunk().v(), uncondLater.kv(1), at(1, Branch.UNCOND), both.out());
            t.forward(dense, uncond.chunk().q(), uncond.chunk().k(), uncond.chunk().v(), uncond.kv(1), at(0, Branch.UNCOND), alone.out());
            t.forward(dense, uncondLater.chunk().q(), uncondLater.chunk().k(), uncondLater.chunk().v(), uncondLater.kv(1), at(1, Branch.UNCOND), alone.out());
            Attn.assertBitEqual(alone.out(), both.out(), "uncond with cond calls in between");
            assertEquals(2L * HEADS * N * (HEAD_DIM + 1) * Float.BYTES, s.stateBytes());
            s.resetState();
            assertEquals(0, s.stateBytes());
        }
    }

    @Test
    void driftRefreshesWhenQueriesMovedAndReusesWhenTheyDidNot() {
        try (Setup first = Setup.random(500, 2 * N);
             Setup moved = first.withQueries(501);
             Attn.Result out = Attn.Result.like(first.chunk().q());
             AttentionSession dense = AttentionMethods.create("dense").prepare(CHUNK);
             ChunkAttention flash = ChunkAttention.flashBlock(CHUNK, 10, 0.05)) {
            flash.forward(dense, first.chunk().q(), first.chunk().k(), first.chunk().v(), first.kv(1), at(0, Branch.COND), out.out());
            assertTrue(flash.lastRefreshed());
            flash.forward(dense, first.chunk().q(), first.chunk().k(), first.chunk().v(), first.kv(1), at(1, Branch.COND), out.out());
            assertFalse(flash.lastRefreshed(), "same queries: no drift, reuse within tau");
            flash.forward(dense, moved.chunk().q(), moved.chunk().k(), moved.chunk().v(), moved.kv(1), at(2, Branch.COND), out.out());
            assertTrue(flash.lastRefreshed(), "new queries drifted far: refresh");
            try (Attn.Result expected = moved.reference((q, k) -> true)) {
                Attn.assertClose(expected.out(), out.out(), Attn.REL_L2, "refreshed on drift");
            }
            assertEquals(2L * HEADS * N * (HEAD_DIM + 1) * Float.BYTES / 2 + (long) HEADS * N * HEAD_DIM * Float.BYTES, flash.stateBytes(),
                    "one cached part plus one query snapshot");
        }
        assertEquals("flashblock:tau=4,drift=0.1", AttentionMethods.create("flashblock:tau=4,drift=0.1").spec());
    }

    @Test
    void contextThresholdRecomputesChunksWithShortContextAndCachesLongerOnes() {
        try (Setup shortCtx = Setup.random(600, N);
             Setup shortMoved = shortCtx.withQueries(601);
             Setup longCtx = Setup.random(610, 2 * N);
             Setup longMoved = longCtx.withQueries(611);
             Attn.Result out = Attn.Result.like(shortCtx.chunk().q());
             AttentionSession dense = AttentionMethods.create("dense").prepare(CHUNK);
             ChunkAttention flash = ChunkAttention.flashBlock(CHUNK, 10, 0, 2)) {
            // one chunk of context, below the threshold of 2: recomputed at every step, so moved queries are exact
            flash.forward(dense, shortCtx.chunk().q(), shortCtx.chunk().k(), shortCtx.chunk().v(), shortCtx.kv(1), at(0, Branch.COND), out.out());
            flash.forward(dense, shortMoved.chunk().q(), shortMoved.chunk().k(), shortMoved.chunk().v(), shortMoved.kv(1), at(1, Branch.COND), out.out());
            assertTrue(flash.lastRefreshed(), "short context: external part computed every step");
            try (Attn.Result expected = shortMoved.reference((q, k) -> true)) {
                Attn.assertClose(expected.out(), out.out(), Attn.REL_L2, "short context, moved queries");
            }
            assertEquals(0, flash.stateBytes(), "nothing cached below the threshold");
            // two chunks of context: cached at the chunk's first step and reused although the queries moved
            flash.forward(dense, longCtx.chunk().q(), longCtx.chunk().k(), longCtx.chunk().v(), longCtx.kv(2), at(0, Branch.COND), out.out());
            assertTrue(flash.lastRefreshed(), "first step of a long-context chunk");
            flash.forward(dense, longMoved.chunk().q(), longMoved.chunk().k(), longMoved.chunk().v(), longMoved.kv(2), at(1, Branch.COND), out.out());
            assertFalse(flash.lastRefreshed(), "long context: reused within tau");
            try (Attn.Result exact = longMoved.reference((q, k) -> true)) {
                assertFalse(Attn.bitEqual(exact.out(), out.out()), "the reused part is from the old queries");
            }
        }
        assertEquals("flashblock:tau=3,drift=0.1,context=4", AttentionMethods.create("flashblock:context=4,drift=0.1,tau=3").spec());
    }
}
