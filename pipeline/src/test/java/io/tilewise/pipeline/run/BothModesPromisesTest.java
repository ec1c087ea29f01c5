package io.tilewise.pipeline.run;

import io.tilewise.pipeline.testkit.ThreadsRecordingKernel;
import io.tilewise.pipeline.testkit.CopyingSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.ForwardingSession;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.backend.AttentionBackend;
import io.tilewise.attention.backend.Backend;
import io.tilewise.attention.backend.BackendSelector;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.memory.MemoryLimit;
import io.tilewise.attention.memory.MemoryLimitException;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.family.StageOptions;
import io.tilewise.pipeline.family.tiny.TinyDitModel;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.attention.testkit.PoisonKernels;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every promise of docs/hardening.md about a generation holds in both modes, full clip and streamed (chunk by chunk),
 * (a random bidirectional model full-clip; a random block-causal one, chunks of one latent frame, streamed): attention runs on the chosen backend, our kernels get
 * the requested threads, the memory limit refuses before anything runs, the NaN/Inf guard stops or falls back, and
 * prompt warnings reach the result.
 */
class BothModesPromisesTest {

    /** The two schedules over the one step loop: the bidirectional model full-clip, the block-causal one streamed. */
    enum Mode {
        FULL, STREAMED;

        GenerationResult run(Pipeline p, GenerationRequest r) {
            return this == FULL ? p.generate(r) : p.generateStreaming(r, StreamOptions.defaults(), null, null);
        }

        ModelWeights weights() {
            return TinyModels.randomWeights(this == FULL ? BIDIRECTIONAL : CAUSAL, 3);
        }
    }

    private static final GenerationRequest REQUEST = new GenerationRequest("a red circle moving left", 3, 16, 16, 2, 4.0, 3.0, 5, "dense");
    private static final ModelConfig BIDIRECTIONAL = TinyModels.small(2);
    private static final ModelConfig CAUSAL = causal(BIDIRECTIONAL);

    private static ModelConfig causal(ModelConfig c) {
        return new ModelConfig(c.architecture(), "tiny-random-causal", c.hidden(), c.heads(), c.blocks(), c.mlpRatio(),
                c.patch(), c.channels(), c.freqDim(), c.ropeAxes(), c.ropeTheta(), c.text(), 1, c.defaults(), c.trainedFor());
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void attentionRunsOnTheChosenBackend(Mode mode) {
        List<String> prepared = Collections.synchronizedList(new ArrayList<>());
        var backend = BackendSelector.select(Backend.TORNADO, List.of(new RecordingBackend(prepared)));
        GenerationResult onDevice;
        try (Pipeline p = new Pipeline(new TinyDitModel(mode.weights(), new StageOptions(1, null)), new Pipeline.Options(1, null), backend)) {
            onDevice = mode.run(p, REQUEST.withPolicy("radial:decay=0.2,block=16"));
        }
        assertTrue(prepared.stream().anyMatch(spec -> spec.startsWith("radial:decay=0.2,block=16")),
                "the policy's method was prepared on the backend: " + prepared);
        assertTrue(onDevice.timings().transfers().attentionHostToDevice() > 0, "its copies are counted: " + onDevice.timings());
        try (Pipeline cpu = Pipeline.of(mode.weights(), new Pipeline.Options(1, null))) {
            assertArrayEquals(mode.run(cpu, REQUEST.withPolicy("radial:decay=0.2,block=16")).video().rgb(), onDevice.video().rgb(),
                    "the fake device computes what the CPU does");
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void ourKernelsGetTheRequestedThreads(Mode mode) {
        for (int threads : new int[] {1, 2}) {
            List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
            try (Pipeline p = Pipeline.of(mode.weights(), new Pipeline.Options(threads, spec -> new ThreadsRecordingKernel(AttentionMethods.create(spec), seen)))) {
                mode.run(p, REQUEST);
            }
            assertFalse(seen.isEmpty());
            assertTrue(seen.stream().allMatch(t -> t == threads), threads + ": " + seen);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void theMemoryLimitRefusesBeforeAnythingRuns(Mode mode) {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        try (Pipeline p = Pipeline.of(mode.weights(), new Pipeline.Options(1, spec -> new ThreadsRecordingKernel(AttentionMethods.create(spec), seen))
                .withMemoryLimit(MemoryLimit.of("1k", "test")))) {
            MemoryLimitException e = assertThrows(MemoryLimitException.class, () -> mode.run(p, REQUEST));
            assertTrue(e.getMessage().contains("generation of 3 frames of 16x16 px"), e.getMessage());
        }
        assertTrue(seen.isEmpty(), "no attention call ran");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void nanOutputStopsTheRunOrFallsBackToDense(Mode mode) {
        try (Pipeline p = Pipeline.of(mode.weights(), new Pipeline.Options(1, new PoisonKernels(1, 1, Branch.UNCOND, 1, 5, 2, Float.NaN)))) {
            NonFiniteAttentionException e = assertThrows(NonFiniteAttentionException.class, () -> mode.run(p, REQUEST.withPolicy("poison")));
            assertTrue(e.getMessage().startsWith("NaN in output of poison at layer 1, step 1, branch uncond [head 1, token 5, dim 2]"),
                    e.getMessage());
            GenerationResult dense = mode.run(p, REQUEST);
            GenerationResult guarded = mode.run(p, REQUEST.withPolicy("nonfinite=dense;poison"));
            assertArrayEquals(dense.video().rgb(), guarded.video().rgb(), "the poisoned calls ran dense");
            // streamed: each of the 3 chunks has its own step 1
            int poisoned = mode == Mode.FULL ? 1 : 3;
            assertEquals(poisoned, guarded.warnings().size(), guarded.warnings().toString());
            assertTrue(guarded.warnings().getFirst().endsWith("; ran dense attention for this call (nonfinite=dense)"));
            assertEquals(poisoned, guarded.attentionCalls().stream().filter(c -> c.spec().equals("dense")).count());
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void promptWarningsReachTheResult(Mode mode) {
        try (Pipeline p = Pipeline.of(mode.weights(), new Pipeline.Options(1, null))) {
            GenerationResult r = mode.run(p, new GenerationRequest("a red zeppelin moving left", 3, 16, 16, 2, 4.0, 3.0, 5, "dense"));
            assertEquals(1, r.warnings().size(), r.warnings().toString());
            assertTrue(r.warnings().getFirst().contains("zeppelin"), r.warnings().getFirst());
        }
    }

    /** A "device" backend that runs the CPU kernels, records what it prepared and counts q, k, v in and out back. */
    private record RecordingBackend(List<String> prepared) implements AttentionBackend {
        @Override public String name() { return "tornado"; }
        @Override public Availability probe() { return Availability.of(new Device(Backend.TORNADO, "fake device")); }
        @Override public Support supports(AttentionKernel kernel, AttentionShape shape) { return kernel.supports(shape, Device.CPU); }

        @Override
        public AttentionSession prepare(AttentionKernel kernel, AttentionShape shape) {
            prepared.add(kernel.spec());
            return new CopyingSession(kernel.prepare(shape, Device.CPU));
        }
    }
}
