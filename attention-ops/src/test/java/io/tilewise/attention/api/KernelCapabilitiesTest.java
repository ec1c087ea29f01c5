package io.tilewise.attention.api;

import io.tilewise.attention.backend.Backend;
import io.tilewise.attention.spec.AttentionMethods;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the built-in methods expose instead of their classes, and what a {@link Device} means to them. */
class KernelCapabilitiesTest {

    /** 4 frames of 16×16: 1024 tokens. */
    private static final AttentionShape SHAPE = new AttentionShape(1, 2, 32, TokenLayout.video(new TokenGrid(4, 16, 16)));
    private static final Device GPU = new Device(Backend.TORNADO, "test GPU");

    @Test
    void aDeviceBelongsToABackend() {
        assertThrows(IllegalArgumentException.class, () -> new Device(Backend.AUTO, "x"));
        assertTrue(Device.CPU.host());
        assertFalse(GPU.host());
        assertEquals("cpu (host CPU)", Device.CPU.toString());
        assertTrue(Device.CPU.hostOnly("m").supported());
        Support refused = GPU.hostOnly("m");
        assertFalse(refused.supported());
        assertTrue(refused.reason().startsWith("m: runs on the host CPU only, not on tornado"), refused.reason());
    }

    @Test
    void fixedPlansAreTheSessionsPlans() {
        for (String spec : new String[] {"dense", "blocksparse:keep=0.25,tile=64", "radial:decay=0.5,block=64", "gna:window=2x8x8"}) {
            AttentionKernel kernel = AttentionMethods.create(spec);
            TilePlan plan = kernel.tilePlan(SHAPE).orElseThrow();
            assertTrue(plan.fixed(), spec);
            assertTrue(kernel.inputPlanner(SHAPE).isEmpty() && kernel.contextPlans(SHAPE).isEmpty(), spec);
            assertEquals(plan.executedDensity(), kernel.predictedDensity(SHAPE), 1e-12, spec);
            try (AttentionSession s = kernel.prepare(SHAPE)) {
                assertEquals(plan.executedDensity(), s.executedDensity(), 1e-12, spec + ": the session runs the plan");
            }
        }
        assertEquals(1.0, AttentionMethods.create("dense").predictedDensity(SHAPE), 0);
        // 1024 tokens, 16 key tiles of 64: every query tile keeps round(0.25·16) = 4
        assertEquals(4 / 16.0, AttentionMethods.create("blocksparse:keep=0.25,tile=64").predictedDensity(SHAPE), 1e-12);
    }

    @Test
    void inputPlannedMethodsOnlyHaveARepresentativePlan() {
        AttentionKernel pisa = AttentionMethods.create("pisa:density=0.25,block=64");
        assertFalse(pisa.tilePlan(SHAPE).orElseThrow().fixed());
        InputPlanner planner = pisa.inputPlanner(SHAPE).orElseThrow();
        // 16 blocks of 64, max(1, ⌊0.25·16⌋) = 4 exact per query block
        assertEquals(4 / 16.0, planner.nominalDensity(), 1e-12);
    }

    @Test
    void kernelSessionsAreHostSessions() {
        for (String spec : new String[] {"dense", "blocksparse", "radial", "gna:window=2x8x8", "pisa"}) {
            AttentionKernel kernel = AttentionMethods.create(spec);
            assertTrue(kernel.supports(SHAPE, GPU).supported(), spec + ": its plan can run on a device backend");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernel.prepare(SHAPE, GPU));
            assertTrue(e.getMessage().contains("prepared by the tornado backend"), e.getMessage());
        }
    }
}
