package io.tilewise.wan.family;

import io.tilewise.wan.reference.Errors;
import io.tilewise.pipeline.model.SafetensorsCheckpoint;
import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.InitialNoise;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.run.StepListener;
import io.tilewise.wan.fixtures.Umt5Fixtures;
import io.tilewise.wan.fixtures.WanCheckpointFixtures;
import io.tilewise.wan.fixtures.WanPipelineFixtures;
import io.tilewise.wan.reference.SchedulerReference;
import io.tilewise.wan.reference.Umt5Reference;
import io.tilewise.wan.reference.WanTransformerReference;
import io.tilewise.wan.reference.WanVaeReference;
import io.tilewise.wan.text.PromptTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 3-step Wan generation through the pipeline (ORT stages, our attention, UMT5, VAE, the schedulers) against a second
 * implementation composed of the fp64 references: the tokenizer's ids → {@link Umt5Reference} → per step
 * {@link WanTransformerReference} on both CFG branches, guidance {@code u + g·(c − u)} in fp64, the
 * {@link SchedulerReference} step → {@link WanVaeReference}.
 */
class WanGenerationVsReferenceTest {

    private static final String PROMPT = "a blue cat runs on the grass";
    private static final String NEGATIVE = "a red dog";
    private static final int STEPS = 3;
    private static final double GUIDANCE = 5.0;

    @TempDir
    static Path dir;
    static Map<String, double[]> weights;

    @BeforeAll
    static void folder() throws Exception {
        weights = WanPipelineFixtures.write(dir, 5).weights();
    }

    @ParameterizedTest
    @ValueSource(strings = {"unipc", "euler"})
    void threeStepsMatchTheReferences(String scheduler) throws Exception {
        int[] latent = {2, 4, 6};   // 5 frames of 32x48
        float[] z0 = noise(16 * latent[0] * latent[1] * latent[2], 9);
        float[] got;
        try (Pipeline p = Pipeline.open(dir, new Pipeline.Options(2, null))) {
            GenerationRequest request = GenerationRequest.defaults(p.card(), PROMPT).withSize(5, 32, 48).withSteps(STEPS)
                    .withGuidance(GUIDANCE).withNegativePrompt(NEGATIVE).withScheduler(scheduler)
                    .withNoise(new InitialNoise(new int[] {1, 16, latent[0], latent[1], latent[2]}, z0));
            GenerationResult result = p.generate(request);
            assertEquals(5, result.video().frames());
            assertEquals(32, result.video().height());
            assertEquals(48, result.video().width());
            got = result.video().rgb();
        }
        double[] expected = reference(scheduler, z0, latent);
        double err = Errors.relativeL2(got, expected);
        assertTrue(err < 1e-4, scheduler + ": relative L2 to the fp64 composition " + err);
        System.out.printf("wan generate (%s, 3 steps) vs fp64 references: relative L2 %.3e%n", scheduler, err);
    }

    /** The library API: seeded noise repeats; progress reports text encoding, every step and decoding, in that order. */
    @Test
    void seededRunsRepeatAndReportTheirPhases() {
        List<String> events = new java.util.ArrayList<>();
        StepListener listener = new StepListener() {
            @Override
            public void onStep(StepProgress p) {
                events.add("step " + (p.step() + 1) + "/" + p.totalSteps());
            }

            @Override
            public void onPhase(String phase, int done, int total, long elapsedNanos) {
                events.add(phase + " " + done + "/" + total);
            }
        };
        try (Pipeline p = Pipeline.open(dir, new Pipeline.Options(2, null))) {
            GenerationRequest request = GenerationRequest.defaults(p.card(), PROMPT).withSize(5, 32, 32).withSteps(2).withSeed(3);
            float[] first = p.generate(request, listener).video().rgb();
            assertEquals(List.of("text encoding 1/2", "text encoding 2/2", "step 1/2", "step 2/2", "decoding 1/2", "decoding 2/2"),
                    events);
            org.junit.jupiter.api.Assertions.assertArrayEquals(first, p.generate(request).video().rgb());
            float[] other = p.generate(request.withSeed(4)).video().rgb();
            assertTrue(Errors.relativeL2(other, toDouble(first)) > 1e-3, "another seed, another clip");
        }
    }

    /** A folder whose scheduler is FlowMatchEulerDiscrete runs Euler by default, as --scheduler euler does on UniPC's. */
    @Test
    void theFoldersSchedulerIsTheDefault(@TempDir Path other) throws Exception {
        WanPipelineFixtures.write(other, 5);
        WanPipelineFixtures.useEulerScheduler(other);
        float[] z0 = noise(16 * 2 * 4 * 4, 2);
        InitialNoise noise = new InitialNoise(new int[] {1, 16, 2, 4, 4}, z0);
        float[] byDefault;
        try (Pipeline p = Pipeline.open(other, new Pipeline.Options(2, null))) {
            byDefault = p.generate(GenerationRequest.defaults(p.card(), PROMPT).withSize(5, 32, 32).withSteps(2).withNoise(noise))
                    .video().rgb();
        }
        try (Pipeline p = Pipeline.open(dir, new Pipeline.Options(2, null))) {
            GenerationRequest request = GenerationRequest.defaults(p.card(), PROMPT).withSize(5, 32, 32).withSteps(2).withNoise(noise);
            org.junit.jupiter.api.Assertions.assertArrayEquals(byDefault, p.generate(request.withScheduler("euler")).video().rgb());
            assertTrue(Errors.relativeL2(p.generate(request).video().rgb(), toDouble(byDefault)) > 1e-4, "UniPC differs from Euler");
        }
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++) out[i] = values[i];
        return out;
    }

    @Test
    void cardComesFromTheConfigsAlone() {
        var card = new WanFamily().card(dir);
        assertEquals(2, card.heads());
        assertEquals(12, card.headDim());
        assertEquals(2, card.blocks());
        assertEquals(0, card.causalChunkFrames());
        assertEquals(81, card.defaults().frames());
        assertEquals(480, card.defaults().height());
        assertEquals(832, card.defaults().width());
        assertEquals(50, card.defaults().steps());
        assertEquals(5.0, card.defaults().guidance());
        assertEquals(3.0, card.defaults().shift());
        assertTrue(card.promptWords().isEmpty());
        assertEquals(new io.tilewise.pipeline.family.TokenGeometry(4, true, 16, 16), card.geometry());
        assertEquals(21L * 30 * 52, card.geometry().tokens(81, 480, 832));
    }

    private static double[] reference(String scheduler, float[] z0, int[] latent) throws Exception {
        int textTokens = 512;
        long[][] ids;
        int[][] mask;
        try (PromptTokenizer tokenizer = PromptTokenizer.load(dir.resolve("tokenizer"), textTokens)) {
            PromptTokenizer.Tokens tokens = tokenizer.tokenize(List.of(PROMPT, NEGATIVE));
            ids = tokens.ids();
            mask = new int[2][textTokens];
            for (int b = 0; b < 2; b++) for (int j = 0; j < tokens.lengths()[b]; j++) mask[b][j] = 1;
        }
        double[] text64;
        Umt5Fixtures.Spec s = Umt5Fixtures.Spec.tiny();
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir.resolve("text_encoder"), "model")) {
            text64 = new Umt5Reference(new Umt5Reference.Config(s.umt5(), s.dModel(), s.dKv(), s.dFf(), s.layers(), s.heads(),
                    s.buckets(), s.maxDistance(), 1e-6), ckpt::floats).promptEmbeds(ids, mask);
        }
        float[] text = toFloat(text64);
        WanTransformerReference.Config config = WanPipelineFixtures.transformerConfig();
        int values = z0.length;
        double[] x = new double[values];
        for (int i = 0; i < values; i++) x[i] = z0[i];
        SchedulerReference.UniPc unipc = null;
        SchedulerReference.Euler euler = null;
        double[] timesteps = new double[STEPS];
        if (scheduler.equals("unipc")) {
            unipc = new SchedulerReference.UniPc(1000, 3.0, 2, "bh2", true, List.of(), "zero");
            unipc.setTimesteps(STEPS);
            for (int i = 0; i < STEPS; i++) timesteps[i] = unipc.timesteps[i];
        } else {
            euler = new SchedulerReference.Euler(1000, 3.0);
            euler.setTimesteps(STEPS);
            timesteps = euler.timesteps.clone();
        }
        for (int i = 0; i < STEPS; i++) {
            float[] both = new float[2 * values];
            for (int j = 0; j < values; j++) both[j] = both[values + j] = (float) x[j];
            double[] v = WanTransformerReference.forward(weights, config, both, 2, latent[0], latent[1], latent[2], timesteps[i],
                    text, textTokens);
            double[] guided = new double[values];
            for (int j = 0; j < values; j++) guided[j] = v[values + j] + GUIDANCE * (v[j] - v[values + j]);
            x = unipc != null ? unipc.step(guided, (long) timesteps[i], x) : euler.step(guided, timesteps[i], x);
        }
        try (WanVaeReference vae = new WanVaeReference(dir.resolve("vae"))) {
            return vae.decode(toFloat(x), latent[0], latent[1], latent[2]);
        }
    }

    static float[] noise(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] z = new float[count];
        for (int i = 0; i < count; i++) z[i] = (float) (r.nextDouble() * 2 - 1) * 1.7f;
        return z;
    }

    private static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) values[i];
        return out;
    }

    }
