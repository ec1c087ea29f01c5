package io.tilewise.attention.backend;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every branch of backend selection, with a fake device backend standing in for TornadoVM. */
class BackendSelectorTest {

    private static final AttentionShape SHAPE = AttentionShape.of(1, 2, 64, 16);

    @Test
    void parsesTheThreeNamesAndRefusesOthersNamingThem() {
        assertEquals(Backend.AUTO, Backend.parse("auto"));
        assertEquals(Backend.CPU, Backend.parse("CPU"));
        assertEquals(Backend.TORNADO, Backend.parse(" tornado "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backend.parse("cuda"));
        assertEquals("backend 'cuda' is not one of auto, cpu, tornado", e.getMessage());
    }

    @Test
    void theTestClassPathHasNoTornadoModuleSoAutoFallsBackToTheCpuAndSaysWhy() {
        assertTrue(BackendSelector.discovered().stream().noneMatch(b -> b.name().equals("tornado")),
                "attention-ops alone must not provide a tornado backend");
        BackendChoice choice = BackendSelector.select(Backend.AUTO);
        assertEquals(Backend.CPU, choice.chosen());
        assertEquals(Device.CPU, choice.device());
        assertEquals("TornadoVM not installed (no attention-ops-tornado on the class path)", choice.reason());
        assertEquals("attention backend: cpu on host CPU (auto: TornadoVM not installed (no attention-ops-tornado on the class path))",
                choice.describe());
    }

    @Test
    void tornadoAskedForByNameWithoutTheModuleIsAOneLineUserError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BackendSelector.select(Backend.TORNADO));
        assertEquals("--backend tornado: TornadoVM not installed (no attention-ops-tornado on the class path); "
                + "see the README's GPU section, or use --backend cpu or auto", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void cpuIsChosenWhenAskedForEvenWithADeviceBackendPresent() {
        FakeBackend fake = FakeBackend.withDevice();
        BackendChoice choice = BackendSelector.select(Backend.CPU, List.of(fake));
        assertEquals(Backend.CPU, choice.chosen());
        assertEquals("requested", choice.reason());
        assertEquals(0, fake.probes, "cpu must not touch the device");
        try (AttentionSession s = choice.prepare(new DenseKernel(), SHAPE)) {
            assertFalse(s instanceof FakeSession);
        }
    }

    @Test
    void autoTakesTheDeviceWhenOneIsFound() {
        FakeBackend fake = FakeBackend.withDevice();
        BackendChoice choice = BackendSelector.select(Backend.AUTO, List.of(fake));
        assertEquals(Backend.TORNADO, choice.chosen());
        assertEquals("fake GPU", choice.device().name());
        assertEquals("TornadoVM device fake GPU", choice.reason());
        try (AttentionSession s = choice.prepare(new DenseKernel(), SHAPE)) {
            assertInstanceOf(FakeSession.class, s);
        }
        assertTrue(choice.fallbacks().isEmpty());
    }

    @Test
    void autoFallsBackToTheCpuWhenTheRuntimeFindsNoDevice() {
        FakeBackend fake = FakeBackend.withoutDevice("no OpenCL platform");
        BackendChoice choice = BackendSelector.select(Backend.AUTO, List.of(fake));
        assertEquals(Backend.CPU, choice.chosen());
        assertEquals("TornadoVM unavailable: no OpenCL platform", choice.reason());
        assertEquals(1, fake.probes);
    }

    @Test
    void tornadoByNameWithoutADeviceIsAnErrorWithTheRuntimeReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackendSelector.select(Backend.TORNADO, List.of(FakeBackend.withoutDevice("no OpenCL platform"))));
        assertEquals("--backend tornado: TornadoVM unavailable: no OpenCL platform; "
                + "see the README's GPU section, or use --backend cpu or auto", e.getMessage());
    }

    @Test
    void underAutoAMethodWithoutADeviceKernelRunsOnTheCpuAndTheReasonIsKept() {
        BackendChoice choice = BackendSelector.select(Backend.AUTO, List.of(FakeBackend.withDevice()));
        AttentionKernel radial = AttentionMethods.create("radial");
        assertTrue(choice.supports(radial, SHAPE).supported());
        try (AttentionSession s = choice.prepare(radial, SHAPE)) {
            assertFalse(s instanceof FakeSession);
        }
        try (AttentionSession ignored = choice.prepare(radial, SHAPE)) {
            // a second session of the same method: the reason is recorded once
        }
        assertEquals(List.of(radial.spec() + " runs on the CPU: fake: no kernel for radial"), choice.fallbacks());
    }

    @Test
    void underTornadoByNameAMethodWithoutADeviceKernelIsRefused() {
        BackendChoice choice = BackendSelector.select(Backend.TORNADO, List.of(FakeBackend.withDevice()));
        AttentionKernel radial = AttentionMethods.create("radial");
        assertFalse(choice.supports(radial, SHAPE).supported());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> choice.prepare(radial, SHAPE));
        assertEquals("fake: no kernel for radial", e.getMessage());
    }

    @Test
    void cpuChoiceIsTheSameWhateverIsOnTheClassPath() {
        assertSame(Backend.CPU, BackendChoice.cpu().chosen());
        assertEquals("attention backend: cpu on host CPU", BackendChoice.cpu().describe());
    }

    /** A device backend that runs dense only; its sessions do nothing (selection is under test, not math). */
    private static final class FakeBackend implements AttentionBackend {
        private final Availability availability;
        int probes;

        private FakeBackend(Availability availability) {
            this.availability = availability;
        }

        static FakeBackend withDevice() {
            return new FakeBackend(Availability.of(new Device(Backend.TORNADO, "fake GPU")));
        }

        static FakeBackend withoutDevice(String reason) {
            return new FakeBackend(Availability.none(reason));
        }

        @Override
        public String name() {
            return "tornado";
        }

        @Override
        public Availability probe() {
            probes++;
            return availability;
        }

        @Override
        public Support supports(AttentionKernel kernel, AttentionShape shape) {
            return kernel.id().equals("dense") ? Support.yes() : Support.no("fake: no kernel for " + kernel.id());
        }

        @Override
        public AttentionSession prepare(AttentionKernel kernel, AttentionShape shape) {
            return new FakeSession(shape);
        }
    }

    private static final class FakeSession extends AbstractAttentionSession {
        FakeSession(AttentionShape shape) {
            super(shape);
        }

        @Override
        protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
            throw new UnsupportedOperationException("not under test");
        }

        @Override
        public double executedDensity() {
            return 1;
        }
    }
}
