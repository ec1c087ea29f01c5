package io.tilewise.pipeline.run;

import io.tilewise.pipeline.testkit.CopyingSession;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.ForwardingSession;
import io.tilewise.attention.backend.Backend;
import io.tilewise.attention.backend.DeviceTransfers;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.onnx.ModelSessions;
import io.tilewise.pipeline.onnx.StageDevice;
import io.tilewise.pipeline.onnx.StageProvider;
import io.tilewise.pipeline.onnx.StageTransfers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --device cpu|cuda} and {@code --backend} in the pipeline, on the default (CPU-only) onnxruntime jar: CUDA
 * falls back to the CPU provider with a one-line reason, results do not change, and host↔device copies are counted.
 */
class DeviceSelectionTest {

    private static final GenerationRequest REQUEST = GenerationRequest.defaults(TinyModels.small(2), "a red circle").withSize(2, 16, 16)
            .withSteps(2).withGuidance(4.0).withShift(3.0).withSeed(5);

    @TempDir
    static Path dir;
    private static ModelConfig config;

    @BeforeAll
    static void model() {
        config = TinyModels.small(2);
        TinyModels.write(dir.resolve("model"), config, 11);
    }

    @Test
    void parsesDevicesAndRefusesOthersNamingThem() {
        assertEquals(StageDevice.CUDA, StageDevice.parse("CUDA"));
        assertEquals(StageDevice.CPU, StageDevice.parse("cpu"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StageDevice.parse("gpu"));
        assertEquals("device 'gpu' is not one of cpu, cuda", e.getMessage());
    }

    @Test
    void cudaOnTheCpuOnlyJarFallsBackToTheCpuProviderWithOneLineSayingWhy() {
        try (ModelSessions sessions = new ModelSessions(TinyModels.randomWeights(config, 11), 1, StageDevice.CUDA)) {
            StageProvider p = sessions.provider();
            assertEquals(StageDevice.CUDA, p.requested());
            assertEquals(StageDevice.CPU, p.used());
            assertTrue(p.fellBack());
            // Default build: the CPU-only jar. With -P cuda on a machine without CUDA: the GPU jar that cannot load it.
            boolean gpuJar = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
            if (gpuJar) {
                assertTrue(p.reason().endsWith("; onnxruntime_gpu is on the class path but could not load CUDA (needs an "
                        + "NVIDIA driver, CUDA 12 and cuDNN 9 libraries on LD_LIBRARY_PATH)"), p.reason());
            } else {
                assertEquals("Failed to find CUDA shared provider; the onnxruntime jar on the class path is CPU-only "
                        + "(build with mvn -P cuda for onnxruntime_gpu)", p.reason());
            }
            assertEquals("stages: cpu (cuda unavailable: " + p.reason() + ")", p.describe());
            assertFalse(p.describe().contains("\n"));
        }
    }

    @Test
    void cpuIsUsedAsRequested() {
        try (ModelSessions sessions = new ModelSessions(TinyModels.randomWeights(config, 11), 1)) {
            assertEquals(StageProvider.cpu(), sessions.provider());
            assertEquals("stages: cpu", sessions.provider().describe());
        }
    }

    @Test
    void aPipelineAskedForCudaFallsBackAndGivesTheCpuResultWithNoCopies() {
        try (Pipeline cpu = Pipeline.open(dir.resolve("model"), new Pipeline.Options(1, null));
             Pipeline cuda = Pipeline.open(dir.resolve("model"), new Pipeline.Options(1, null).withDevice(StageDevice.CUDA))) {
            assertTrue(cuda.stageProvider().fellBack());
            GenerationResult a = cpu.generate(REQUEST);
            GenerationResult b = cuda.generate(REQUEST);
            assertArrayEquals(a.video().rgb(), b.video().rgb());
            assertEquals(Transfers.NONE, b.timings().transfers());
            assertTrue(b.timings().toString().endsWith("; copies: none (stages and attention on the host)"), b.timings().toString());
        }
    }

    @Test
    void autoBackendWithoutTheTornadoModuleRunsAttentionOnTheCpuAndSaysWhy() {
        try (Pipeline p = Pipeline.open(dir.resolve("model"), new Pipeline.Options(1, null))) {
            assertEquals(Backend.AUTO, p.backend().requested());
            assertEquals(Backend.CPU, p.backend().chosen());
            assertEquals("TornadoVM not installed (no attention-ops-tornado on the class path)", p.backend().reason());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pipeline.open(dir.resolve("model"), new Pipeline.Options(1, null).withBackend(Backend.TORNADO)));
        assertTrue(e.getMessage().startsWith("--backend tornado: TornadoVM not installed"), e.getMessage());
    }

    /** Sessions that report device traffic are summed into the timings: here q, k, v in and out back per call. */
    @Test
    void attentionCopiesReportedBySessionsAreSummedIntoTheTimings() {
        try (Pipeline p = Pipeline.open(dir.resolve("model"), new Pipeline.Options(1, new CopyingKernels()))) {
            GenerationResult r = p.generate(REQUEST);
            long tensorBytes = 4L * config.heads() * (2 * 4 * 4) * config.headDim();
            long calls = r.attentionCalls().size();
            Transfers t = r.timings().transfers();
            assertEquals(calls * 3 * tensorBytes, t.attentionHostToDevice());
            assertEquals(calls * tensorBytes, t.attentionDeviceToHost());
            assertEquals(0, t.stageHostToDevice(), "stages ran on the CPU provider");
            assertTrue(r.timings().toString().contains("; copies: stages 0.0 MB to device, 0.0 MB back; attention "),
                    r.timings().toString());
        }
    }

    @Test
    void stageCopiesAreCountedOnlyOnTheDevice() throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor in = OnnxTensor.createTensor(env, new float[][] {{1, 2, 3}, {4, 5, 6}});
             OnnxTensor out = OnnxTensor.createTensor(env, new long[] {1, 2})) {
            StageTransfers cuda = new StageTransfers(StageDevice.CUDA);
            cuda.add(Map.of("x", in), Map.of("y", out));
            cuda.add(Map.of("x", in), Map.of("y", out));
            assertEquals(2 * 6 * 4, cuda.hostToDevice());
            assertEquals(2 * 2 * 8, cuda.deviceToHost());
            StageTransfers cpu = new StageTransfers(StageDevice.CPU);
            cpu.add(Map.of("x", in), Map.of("y", out));
            assertEquals(0, cpu.hostToDevice() + cpu.deviceToHost());
        }
    }

    /** Registered kernels whose sessions count q, k, v as copied in and out as copied back, like a device session. */
    private static final class CopyingKernels implements Function<MethodSpec, AttentionKernel> {
        @Override
        public AttentionKernel apply(MethodSpec spec) {
            return new ForwardingKernel(AttentionMethods.create(spec)) {
                @Override
                public AttentionSession prepare(AttentionShape shape, Device device) {
                    return new CopyingSession(inner.prepare(shape, device));
                }
            };
        }
    }
}
