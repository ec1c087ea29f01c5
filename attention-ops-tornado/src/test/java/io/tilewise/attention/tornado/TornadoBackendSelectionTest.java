package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.backend.Backend;
import io.tilewise.attention.backend.BackendChoice;
import io.tilewise.attention.backend.BackendSelector;
import io.tilewise.attention.backend.DeviceTransfers;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** With this module on the class path, selection finds the TornadoVM backend; what it runs and what it refuses. */
class TornadoBackendSelectionTest {

    private static final AttentionShape SHAPE = AttentionShape.of(1, 2, 100, 64);

    @Test
    void theModuleIsDiscoveredAndAutoPicksItsDevice() {
        assertTrue(BackendSelector.discovered().stream().anyMatch(b -> b instanceof TornadoAttentionBackend));
        DeviceCheck.requireDevice();
        BackendChoice choice = BackendSelector.select(Backend.AUTO);
        assertEquals(Backend.TORNADO, choice.chosen());
        assertEquals(Backend.TORNADO, choice.device().backend());
        assertTrue(choice.reason().startsWith("TornadoVM device "), choice.reason());
        System.out.println(choice.describe());
        try (AttentionSession s = choice.prepare(AttentionMethods.create("dense"), SHAPE)) {
            assertInstanceOf(DeviceTransfers.class, s);
        }
    }

    @Test
    void refusesWhatItHasNoKernelForWithTheReason() {
        TornadoAttentionBackend backend = new TornadoAttentionBackend();
        assertEquals("tornado: dense at headDim 256 > 128 (the kernels keep a query row in private memory)",
                backend.supports(AttentionMethods.create("dense"), AttentionShape.of(1, 1, 64, 256)).reason());
        String quantized = backend.supports(AttentionMethods.create("paro:density=0.5,bits=8"), SHAPE).reason();
        assertTrue(quantized.startsWith("tornado: paro: bits=8 (quantized QK) runs on the host CPU only"), quantized);
        String other = backend.supports(new Other(), SHAPE).reason();
        assertTrue(other.startsWith("tornado: no device kernel for method other"), other);
        String cache = backend.supports(AttentionMethods.create("cache(tau=2):radial"), SHAPE).reason();
        assertTrue(cache.startsWith("tornado: cache: runs on the host CPU only"), cache);
        assertTrue(backend.supports(AttentionMethods.create("pisa"), SHAPE).supported());
        assertThrows(IllegalArgumentException.class, () -> backend.prepare(new Other(), SHAPE));
    }

    @Test
    void underAutoAMethodWithoutADeviceKernelRunsOnTheCpu() {
        DeviceCheck.requireDevice();
        BackendChoice choice = BackendSelector.select(Backend.AUTO);
        AttentionKernel quantized = AttentionMethods.create("paro:density=0.5,bits=8");
        try (AttentionSession s = choice.prepare(quantized, SHAPE)) {
            assertFalse(s instanceof DeviceTransfers);
        }
        assertEquals(1, choice.fallbacks().size());
        BackendChoice strict = BackendSelector.select(Backend.TORNADO);
        assertThrows(IllegalArgumentException.class, () -> strict.prepare(quantized, SHAPE));
    }

    /** A method the backend does not know. */
    private static final class Other implements AttentionKernel {
        @Override public String id() { return "other"; }
        @Override public String spec() { return "other"; }
        @Override public Support supports(AttentionShape shape, Device device) { return Support.yes(); }

        @Override
        public AttentionSession prepare(AttentionShape shape, Device device) {
            return new io.tilewise.attention.api.AbstractAttentionSession(shape) {
                @Override
                protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                }

                @Override
                public double executedDensity() {
                    return 1;
                }
            };
        }
    }
}
