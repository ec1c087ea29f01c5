package io.tilewise.caches.plans;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparseMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.neighborhood.GnaKernel;
import io.tilewise.attention.neighborhood.GnaSpec;
import io.tilewise.attention.radial.RadialKernel;
import io.tilewise.attention.radial.RadialSpec;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.caches.testkit.Attn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlanMasksTest {

    private static final AttentionShape SHAPE = Attn.shape(2, 32, 6, 8, 8);

    /** Every pair is in exactly one of plan and complement, for every plan head. */
    private static void assertPartition(BlockSparsePlan plan) {
        BlockSparsePlan complement = PlanMasks.complement(plan);
        int n = plan.seqLen();
        for (int h = 0; h < plan.planHeads(); h++) {
            for (int q = 0; q < n; q++) {
                for (int k = 0; k < n; k++) {
                    if (plan.allows(h, q, k) == complement.allows(h, q, k)) {
                        throw new AssertionError("pair (" + q + ", " + k + ") of head " + h + " is in both or neither");
                    }
                }
            }
        }
    }

    @Test
    void complementOfWholeTilesAndOfMaskedTilesPartitionsThePairs() {
        assertPartition(new RadialKernel(RadialSpec.parse(MethodSpec.parse("radial:decay=0.5,block=64"))).plan(SHAPE));
        // GNA windows cut tiles: masked entries, complemented bit by bit
        BlockSparsePlan gna = new GnaKernel(GnaSpec.parse(MethodSpec.parse("gna:window=3x5x5"))).plan(SHAPE);
        assertTrue(gna.maskedEntries() > 0, "the GNA plan should have masked tiles");
        assertPartition(gna);
        // one mask per head
        assertPartition(BlockSparseMask.random(SHAPE.seqLen(), 64, 2, 0.4, 7));
    }

    @Test
    void complementOfDenseIsEmptyAndOfEmptyIsDense() {
        BlockSparsePlan dense = BlockSparsePlan.dense(SHAPE.seqLen(), 128, 128);
        assertEquals(0, PlanMasks.complement(dense).exactEntries());
        BlockSparsePlan none = BlockSparsePlan.builder(SHAPE.seqLen(), 128, 128, 1).build();
        assertEquals(1.0, PlanMasks.complement(none).executedDensity(), 0.0);
    }

    @Test
    void intersectionIsTheTokenLevelAnd() {
        BlockSparsePlan gna = new GnaKernel(GnaSpec.parse(MethodSpec.parse("gna:window=3x5x5"))).plan(SHAPE);
        TokenMask odd = (q, k) -> ((q + k) & 1) == 1;
        BlockSparsePlan both = PlanMasks.intersect(gna, odd);
        int n = SHAPE.seqLen();
        for (int q = 0; q < n; q++) {
            for (int k = 0; k < n; k++) {
                assertEquals(gna.allows(0, q, k) && odd.allowed(q, k), both.allows(0, q, k), "pair " + q + "," + k);
            }
        }
    }

    @Test
    void chunkCausalPlansSplitTheCausalMask() {
        ChunkCausal causal = new ChunkCausal(SHAPE.layout(), 2);
        BlockSparsePlan internal = causal.internalPlan();
        BlockSparsePlan external = causal.externalPlan();
        int n = SHAPE.seqLen();
        int perChunk = 2 * 64;
        for (int q = 0; q < n; q += 3) {
            for (int k = 0; k < n; k++) {
                assertEquals(k / perChunk == q / perChunk, internal.allows(0, q, k), "internal " + q + "," + k);
                assertEquals(k / perChunk < q / perChunk, external.allows(0, q, k), "external " + q + "," + k);
            }
        }
        // a chunk size that cuts query/key tiles (3 frames = 192 tokens, tiles of 128) still gives exact masks
        ChunkCausal odd = new ChunkCausal(SHAPE.layout(), 3);
        BlockSparsePlan plan = odd.causalPlan();
        for (int q = 0; q < n; q += 5) {
            for (int k = 0; k < n; k++) assertEquals(k / 192 <= q / 192, plan.allows(0, q, k), "causal " + q + "," + k);
        }
        assertEquals(2, odd.chunks(), "6 frames in chunks of 3");
    }

    @Test
    void contextThresholdMovesShortContextChunksIntoTheAlwaysComputedPart() {
        ChunkCausal causal = new ChunkCausal(SHAPE.layout(), 1);   // 6 chunks of one 8×8 frame
        int n = SHAPE.seqLen();
        int perChunk = 64;
        BlockSparsePlan internal = causal.internalPlan(3);
        BlockSparsePlan external = causal.externalPlan(3);
        for (int q = 0; q < n; q += 3) {
            int qc = q / perChunk;
            for (int k = 0; k < n; k++) {
                int kc = k / perChunk;
                assertEquals(kc == qc || qc < 3 && kc < qc, internal.allows(0, q, k), "internal " + q + "," + k);
                assertEquals(qc >= 3 && kc < qc, external.allows(0, q, k), "external " + q + "," + k);
            }
        }
        assertEquals(causal.externalPlan().executedDensity(), causal.externalPlan(1).executedDensity(), 0.0, "threshold 1 = plain split");
    }
}
