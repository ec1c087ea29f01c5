package io.tilewise.attention.blocksparse;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.testkit.KernelVsReference;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor against the dense kernel and the fp64 reference masked by the plan. */
class BlockSparseExecutorTest {

    private static final float SCALE = 0.125f;

    /**
     * Every tile on with 128-wide tiles walks exactly the key chunks of the dense plan (chunks of 128 keys, query
     * sub-tiles of 32 rows from the same starts), in the same order, so every floating-point operation is the
     * same: the results must be identical bit for bit.
     */
    @Test
    void everyTileOnEqualsDenseBitForBit() {
        AttentionShape shape = AttentionShape.of(2, 3, 1021, 64);
        float[][] dense = run(shape, new DenseKernel().prepare(shape));
        float[][] sparse = run(shape, BlockSparseKernel.session(shape, BlockSparsePlan.dense(1021, 128, 128)));
        assertArrayEquals(dense[0], sparse[0]);
        assertArrayEquals(dense[1], sparse[1]);
    }

    /**
     * Query tiles of any size walk the same 128-key chunks in the same order per row (whole and partial groups of
     * sub-tiles), so a 512-row query tile (the dense kernel's choice for long sequences) gives the same bits as 128.
     */
    @Test
    void largeQueryTilesEqual128BitForBit() {
        AttentionShape shape = AttentionShape.of(1, 2, 1100, 64);
        float[][] small = run(shape, BlockSparseKernel.session(shape, BlockSparsePlan.dense(1100, 128, 128)));
        float[][] large = run(shape, BlockSparseKernel.session(shape, BlockSparsePlan.dense(1100, 512, 512)));
        assertArrayEquals(small[0], large[0]);
        assertArrayEquals(small[1], large[1]);
    }

    /**
     * Other tile sizes cut the keys into other chunks, so the online softmax rescales at other points and fp32
     * rounding differs slightly: equal to dense within 1e-6 relative L2 (fp32 epsilon is 6e-8; the reference
     * bound is 1e-4).
     */
    @ParameterizedTest(name = "qTile {0} kTile {1}")
    @CsvSource({"16,16", "32,64", "64,200", "100,128", "128,512", "50,37"})
    void everyTileOnWithOtherTilesEqualsDenseTo1e6(int qTile, int kTile) {
        AttentionShape shape = AttentionShape.of(1, 2, 777, 72);
        float[][] dense = run(shape, new DenseKernel().prepare(shape));
        float[][] sparse = run(shape, BlockSparseKernel.session(shape, BlockSparsePlan.dense(777, qTile, kTile)));
        assertClose(dense[0], sparse[0], 1e-6, "output");
        assertClose(dense[1], sparse[1], 1e-6, "lse");
    }

    @ParameterizedTest(name = "keep {0} tile {1} seqLen {2} headDim {3}")
    @CsvSource({"0.5,128,1021,64", "0.25,64,1021,64", "0.1,16,700,32", "0.3,128,513,128", "0.5,32,301,12",
            "0.5,16,97,4", "0.2,100,1000,40"})
    void randomTilesMatchTheReferenceMaskedByThePlan(double keep, int tile, int seqLen, int headDim) {
        AttentionShape shape = AttentionShape.of(1, 3, seqLen, headDim);
        BlockSparsePlan plan = BlockSparseMask.random(seqLen, tile, 3, keep, 5);
        checkAgainstReference(shape, plan, 21);
    }

    /** Partly covered tiles go through the bit masks: a diagonal band cuts every tile on it irregularly. */
    @ParameterizedTest(name = "qTile {0} kTile {1}")
    @CsvSource({"16,16", "32,64", "64,128", "100,200", "16,200", "100,16", "64,64", "128,128", "200,100", "512,128",
            "600,64"})
    void partialTileMasksMatchTheReference(int qTile, int kTile) {
        int seqLen = 611;
        TokenMask band = (q, k) -> Math.abs(q - k) <= 45 || (q * 7 + k * 3) % 11 == 0;
        BlockSparsePlan plan = BlockSparsePlan.fromTokenMask(seqLen, qTile, kTile, 1, band);
        assertTrue(plan.maskedEntries() > 0, "the band should leave partly covered tiles");
        checkAgainstReference(AttentionShape.of(2, 2, seqLen, 40), plan, 33);
    }

    @Test
    void perHeadMasksMatchTheReference() {
        TokenMask perHead = new TokenMask() {
            @Override
            public boolean allowed(int q, int k) {
                return allowed(0, q, k);
            }

            @Override
            public boolean allowed(int head, int q, int k) {
                return Math.abs(q - k) <= 20 + 30 * head || k % (5 + head) == 0;
            }
        };
        BlockSparsePlan plan = BlockSparsePlan.fromTokenMask(300, 64, 32, 3, perHead);
        checkAgainstReference(AttentionShape.of(1, 3, 300, 64), plan, 4);
    }

    @Test
    void sameInputTwiceGivesIdenticalBits() {
        AttentionShape shape = AttentionShape.of(1, 2, 555, 64);
        BlockSparsePlan plan = BlockSparsePlan.fromTokenMask(555, 64, 128, 1, (q, k) -> Math.abs(q - k) < 100 || k < 20);
        try (AttentionSession s = BlockSparseKernel.session(shape, plan)) {
            float[][] a = run(shape, s);
            float[][] b = run(shape, s);
            assertArrayEquals(a[0], b[0]);
            assertArrayEquals(a[1], b[1]);
        }
    }

    private static void checkAgainstReference(AttentionShape shape, BlockSparsePlan plan, long seed) {
        int planHeads = plan.planHeads();
        TokenMask mask = new TokenMask() {
            @Override
            public boolean allowed(int q, int k) {
                return plan.allows(0, q, k);
            }

            @Override
            public boolean allowed(int head, int q, int k) {
                return plan.allows(planHeads == 1 ? 0 : head, q, k);
            }
        };
        var kernel = new io.tilewise.attention.api.AttentionKernel() {
            @Override public String id() { return "plan"; }
            @Override public String spec() { return plan.toString(); }
            @Override public io.tilewise.attention.api.Support supports(AttentionShape s, io.tilewise.attention.api.Device d) {
                return io.tilewise.attention.api.Support.yes();
            }
            @Override public AttentionSession prepare(AttentionShape s, io.tilewise.attention.api.Device d) {
                return BlockSparseKernel.session(s, plan);
            }
        };
        KernelVsReference.check(kernel, shape, mask, seed);
    }

    /** Output and LSE of a session on the seeded problem of {@code shape}. */
    static float[][] run(AttentionShape shape, AttentionSession session) {
        try (Problems p = Problems.random(shape, 9); Tensor out = p.q().zerosLike(); Tensor lse = p.q().lseLike()) {
            session.forward(p.q(), p.k(), p.v(), AttentionContext.standalone(), out, lse);
            return new float[][] {out.toArray(), lse.toArray()};
        }
    }

    static void assertClose(float[] expected, float[] actual, double relL2, String what) {
        TensorMetrics m = TensorMetrics.compare(actual, expected);
        assertTrue(m.relL2() <= relL2, () -> what + ": " + m);
    }
}
