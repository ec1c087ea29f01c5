package io.tilewise.pipeline.run;

import io.tilewise.pipeline.family.tiny.TinyLatents;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.testkit.Arrays2;
import io.tilewise.pipeline.testkit.CountingKernels;
import io.tilewise.pipeline.testkit.ReferenceModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole pipeline on a random 2-block, 2-head model: 2 steps with CFG at a 2×4×4 token grid. */
class PipelineTest {

    private static final String PROMPT = "A red circle moving left on a black background";
    private static final GenerationRequest REQUEST = GenerationRequest.defaults(TinyModels.small(2), PROMPT).withSize(2, 16, 16)
            .withSteps(2).withGuidance(4.0).withShift(3.0).withSeed(5);

    @TempDir
    static Path dir;
    private static ModelConfig config;
    private static Pipeline pipeline;

    @BeforeAll
    static void open() {
        config = TinyModels.small(2);
        TinyModels.write(dir.resolve("model"), config, 11);
        pipeline = Pipeline.open(dir.resolve("model"), new Pipeline.Options(1, null));
    }

    @AfterAll
    static void close() {
        pipeline.close();
    }

    @Test
    void outputIsFiniteInRangeAndDeterministic() {
        GenerationResult a = pipeline.generate(REQUEST);
        GenerationResult b = pipeline.generate(REQUEST);
        GenerationResult other = pipeline.generate(REQUEST.withSeed(6));
        float[] rgb = a.video().rgb();
        assertEquals(2 * 16 * 16 * 3, rgb.length);
        for (float x : rgb) assertTrue(Float.isFinite(x) && x >= 0 && x <= 1, "value " + x);
        assertArrayEquals(rgb, b.video().rgb(), "same seed, same bits");
        assertFalse(java.util.Arrays.equals(rgb, other.video().rgb()), "another seed gives another video");
        assertEquals(2 * 2 * 2, a.attentionCalls().size(), "steps × blocks × branches");
        assertEquals(4, a.attentionCalls().stream().filter(c -> c.branch() == Branch.UNCOND).count());
        assertEquals(1.0, a.meanExecutedDensity(), 1e-12);
        assertTrue(a.timings().attention() > 0 && a.timings().stages() > 0 && a.timings().total() >= a.timings().stages());
        assertTrue(a.warnings().isEmpty(), a.warnings().toString());
    }

    /** The pipeline (ORT stages + our dense attention + CFG + Euler) against the plain-Java reference sampler. */
    @Test
    void matchesReferenceSampler() {
        ModelWeights weights = TinyModels.randomWeights(config, 11);
        ReferenceModel ref = new ReferenceModel(weights);
        Patchifier patchifier = new Patchifier(3, 1, 4, 4, 2, 16, 16);
        TokenGrid grid = patchifier.grid();
        int n = grid.volume();
        int p = config.patchSize();
        Tokenizer tok = Tokenizer.of(config);
        Tokenizer.Encoding cond = tok.encode(PROMPT);
        Tokenizer.Encoding uncond = tok.unconditional();
        int len = config.text().maxTokens();
        long[] ids = new long[2 * len];
        double[] mask = new double[2 * len];
        for (int l = 0; l < len; l++) {
            ids[l] = cond.ids()[l];
            ids[len + l] = uncond.ids()[l];
            mask[l] = cond.mask()[l];
            mask[len + l] = uncond.mask()[l];
        }
        double[] text = ref.textEncoder(ids, mask, 2);
        double[] pooled = ref.pooledWords(ids, mask, 2);
        double[] latent = Arrays2.toDouble(patchifier.patchify(TinyLatents.noise(5, 3 * 2 * 16 * 16)));
        double[] times = FlowMatchEuler.times(2, 3.0);
        for (int s = 0; s < 2; s++) {
            double[] both = new double[2 * n * p];
            System.arraycopy(latent, 0, both, 0, n * p);
            System.arraycopy(latent, 0, both, n * p, n * p);
            double[] v = ref.velocity(both, new double[] {times[s], times[s]}, text, mask, pooled, grid, 2);
            for (int i = 0; i < n * p; i++) {
                double guided = v[n * p + i] + 4.0 * (v[i] - v[n * p + i]);
                latent[i] += (times[s + 1] - times[s]) * guided;
            }
        }
        Video expected = Video.fromChannelsFirst(patchifier.unpatchify(Arrays2.toFloat(latent)), 2, 16, 16);
        Video actual = pipeline.generate(REQUEST).video();
        double err = Arrays2.relL2(actual.rgb(), Arrays2.toDouble(expected.rgb()));
        assertTrue(err < 1e-4, "pipeline vs reference relL2 " + err);
    }

    @Test
    void everyRegisteredMethodPlugsInByPolicy() {
        AttentionShape shape = new AttentionShape(1, config.heads(), config.headDim(), TokenLayout.video(new TokenGrid(2, 4, 4)));
        List<String> ran = new ArrayList<>();
        for (String id : AttentionMethods.ids()) {
            // Methods with a required parameter get one that fits the 2x4x4 grid.
            String spec = id.equals("gna") ? "gna:window=2x3x3" : id.equals("cache") ? "cache(tau=2):radial" : id;
            if (!AttentionMethods.create(spec).supports(shape, Device.CPU).supported()) continue;
            GenerationResult r = pipeline.generate(REQUEST.withPolicy(spec));
            for (float x : r.video().rgb()) assertTrue(Float.isFinite(x), id + " gave " + x);
            assertTrue(r.attentionCalls().stream().allMatch(c -> c.spec().startsWith(id)), id + ": " + r.attentionCalls().getFirst());
            ran.add(id);
        }
        System.out.println("methods run by policy: " + ran + " of " + AttentionMethods.ids());
        assertFalse(ran.isEmpty(), "no registered method ran; registered: " + AttentionMethods.ids());
        assertTrue(ran.contains("dense"), ran.toString());
    }

    @Test
    void policySwitchingByStepCallsBothMethods() {
        CountingKernels counting = new CountingKernels();
        try (Pipeline counted = Pipeline.open(dir.resolve("model"), new Pipeline.Options(1, counting))) {
            GenerationResult r = counted.generate(REQUEST.withPolicy("dense@steps<1;radial:decay=0.2"));
            // step 0 dense, step 1 radial; 2 blocks × 2 branches each
            assertEquals(4, counting.calls("dense"));
            assertEquals(4, counting.calls("radial"));
            assertTrue(r.attentionCalls().stream().filter(c -> c.step() == 1).allMatch(c -> c.spec().startsWith("radial")));
        }
    }

    @Test
    void concurrentCallersWaitAndGetTheSameResult() throws Exception {
        float[] alone = pipeline.generate(REQUEST).video().rgb();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        StepListener listener = p -> {
            if (p.step() == 0) maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            if (p.step() == p.totalSteps() - 1) running.decrementAndGet();
        };
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            List<Future<GenerationResult>> futures = new ArrayList<>();
            for (int i = 0; i < 3; i++) futures.add(pool.submit(() -> pipeline.generate(REQUEST, listener)));
            for (Future<GenerationResult> f : futures) assertArrayEquals(alone, f.get().video().rgb());
        }
        assertEquals(1, maxRunning.get(), "generations overlapped");
    }

    @Test
    void stepListenerSeesEveryStep() {
        List<Integer> steps = new ArrayList<>();
        pipeline.generate(REQUEST, p -> steps.add(p.step()));
        assertEquals(List.of(0, 1), steps);
    }

    @Test
    void unknownWordsWarnAndAreDropped() {
        GenerationResult r = pipeline.generate(GenerationRequest.defaults(TinyModels.small(2), "a red zebra").withSize(1, 8, 8)
                .withSteps(1).withGuidance(1.0).withShift(3.0).withSeed(1));
        assertEquals(1, r.warnings().size());
        assertTrue(r.warnings().getFirst().contains("zebra") && r.warnings().getFirst().contains("circle"), r.warnings().getFirst());
        assertEquals(2, r.attentionCalls().size(), "guidance 1 runs the conditional branch alone");
    }

    @Test
    void badRequestsAreOneLineErrors() {
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> pipeline.generate(GenerationRequest.defaults(TinyModels.small(2), "a").withSize(1, 10, 8)
                        .withSteps(1).withGuidance(1.0).withShift(3.0).withSeed(1)));
        assertTrue(size.getMessage().contains("10") && !size.getMessage().contains("\n"), size.getMessage());
        SpecException policy = assertThrows(SpecException.class, () -> pipeline.generate(REQUEST.withPolicy("dense@stpes<2")));
        assertTrue(policy.getMessage().contains("stpes<2"), policy.getMessage());
        SpecException method = assertThrows(SpecException.class, () -> pipeline.generate(REQUEST.withPolicy("nosuch")));
        assertTrue(method.getMessage().contains("nosuch") && method.getMessage().contains("dense"), method.getMessage());
    }

    @Test
    void closedPipelineRefusesWork() {
        Pipeline p = Pipeline.of(TinyModels.randomWeights(TinyModels.small(1), 3), new Pipeline.Options(1, null));
        p.close();
        p.close();
        assertThrows(IllegalStateException.class, () -> p.generate(REQUEST));
    }
}
