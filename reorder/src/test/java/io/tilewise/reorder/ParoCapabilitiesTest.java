package io.tilewise.reorder;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.ContextPlans;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.backend.Backend;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What PARO exposes to wrappers and backends: plans per context with each head's order, and its device limit. */
class ParoCapabilitiesTest {

    private static final AttentionShape SHAPE = new AttentionShape(1, 2, 16, TokenLayout.video(new TokenGrid(2, 8, 8)));
    private static final Device GPU = new Device(Backend.TORNADO, "test GPU");

    @Test
    void quantizedQkHasNoDeviceForm() {
        assertFalse(AttentionMethods.create("paro:density=0.5,block=16,bits=8").supports(SHAPE, GPU).supported());
        assertTrue(AttentionMethods.create("paro:density=0.5,block=16,bits=8").supports(SHAPE, Device.CPU).supported());
        assertTrue(AttentionMethods.create("paro:density=0.5,block=16").supports(SHAPE, GPU).supported());
    }

    @Test
    void selfCalibratingPlansArePerLayerAndBranchAndAreWhatTheSessionRuns() {
        AttentionKernel paro = AttentionMethods.create("paro:density=0.5,block=16,sample=1");
        assertFalse(paro.tilePlan(SHAPE).orElseThrow().fixed(), "representative only");
        ContextPlans plans = paro.contextPlans(SHAPE).orElseThrow();
        assertTrue(plans.fromInputs());
        AttentionContext ctx = AttentionContext.standalone();
        assertNotEquals(plans.key(ctx), plans.key(ctx.withLayer(1)));
        assertNotEquals(plans.key(ctx), plans.key(ctx.withBranch(Branch.UNCOND)));
        try (Tensor q = Tensor.randomNormal(11, 1f, 1, 2, SHAPE.seqLen(), 16);
             Tensor k = Tensor.randomNormal(12, 1f, 1, 2, SHAPE.seqLen(), 16);
             Tensor v = Tensor.randomNormal(13, 1f, 1, 2, SHAPE.seqLen(), 16);
             Tensor out = q.zerosLike(); AttentionSession s = paro.prepare(SHAPE)) {
            TilePlan plan = plans.plan(ctx, q, k, ctx.scaleFor(16));
            assertEquals(2, plan.queryOrders().length, "one order per head");
            for (int[] order : plan.queryOrders()) {
                assertArrayEquals(IntStream.range(0, SHAPE.seqLen()).toArray(), Arrays.stream(order).sorted().toArray(), "a permutation");
            }
            s.forward(q, k, v, ctx, out);
            assertEquals(plan.executedDensity(), s.executedDensity(), 1e-12);
        }
    }
}
