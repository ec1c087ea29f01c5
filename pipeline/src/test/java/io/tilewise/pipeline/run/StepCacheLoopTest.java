package io.tilewise.pipeline.run;

import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.Sampler;
import io.tilewise.pipeline.family.StageOptions;
import io.tilewise.pipeline.family.tiny.TinyDitModel;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelWeights;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.onnx.StageProvider;
import io.tilewise.pipeline.stepcache.MagCachePlan;
import io.tilewise.pipeline.stepcache.StepCacheStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Step caches in the one step loop: the exact limit (never skipping equals the uncached run bit for bit) in both
 * modes, and the skip path against a re-computation of the decisions and of what a skipped step feeds the output
 * stage, from hidden states recorded around the stages.
 */
class StepCacheLoopTest {

    enum Mode {
        FULL, STREAMED;

        GenerationResult run(Pipeline p, GenerationRequest r) {
            return this == FULL ? p.generate(r) : p.generateStreaming(r, StreamOptions.defaults(), null, null);
        }

        ModelWeights weights() {
            return TinyModels.randomWeights(this == FULL ? BIDIRECTIONAL : CAUSAL, 3);
        }
    }

    private static final GenerationRequest REQUEST = new GenerationRequest("a red circle moving left", 3, 16, 16, 6, 4.0, 3.0, 5, "dense");
    private static final ModelConfig BIDIRECTIONAL = TinyModels.small(3);
    private static final ModelConfig CAUSAL = new ModelConfig(BIDIRECTIONAL.architecture(), "tiny-random-causal", BIDIRECTIONAL.hidden(),
            BIDIRECTIONAL.heads(), BIDIRECTIONAL.blocks(), BIDIRECTIONAL.mlpRatio(), BIDIRECTIONAL.patch(), BIDIRECTIONAL.channels(),
            BIDIRECTIONAL.freqDim(), BIDIRECTIONAL.ropeAxes(), BIDIRECTIONAL.ropeTheta(), BIDIRECTIONAL.text(), 1,
            BIDIRECTIONAL.defaults(), BIDIRECTIONAL.trainedFor());

    @ParameterizedTest
    @EnumSource(Mode.class)
    void neverSkippingEqualsTheUncachedRunBitForBit(Mode mode) {
        for (String policy : List.of("dense", "radial:decay=0.2,block=16")) {
            try (Pipeline p = Pipeline.of(mode.weights(), new Pipeline.Options(1, null))) {
                GenerationResult plain = mode.run(p, REQUEST.withPolicy(policy));
                for (String cache : List.of("fbcache:threshold=0,warmup=0", "taylor:order=2,threshold=0,warmup=0",
                        "fbcache:threshold=0,warmup=0,first=2")) {
                    GenerationResult cached = mode.run(p, REQUEST.withPolicy(policy).withStepCache(cache));
                    assertArrayEquals(plain.video().rgb(), cached.video().rgb(), mode + " " + policy + " + " + cache);
                    assertEquals(plain.attentionCalls().size(), cached.attentionCalls().size());
                    int steps = mode == Mode.FULL ? REQUEST.steps() : REQUEST.steps() * REQUEST.frames();
                    assertArrayEquals(new int[] {steps, steps}, cached.stepCache().computed(), cached.stepCache().toString());
                    assertArrayEquals(new int[2], cached.stepCache().skipped());
                }
            }
        }
    }

    @Test
    void theUncachedRunReportsEveryStepComputed() {
        try (Pipeline p = Pipeline.of(Mode.FULL.weights(), new Pipeline.Options(1, null))) {
            StepCacheStats s = p.generate(REQUEST).stepCache();
            assertEquals("none", s.spec());
            assertArrayEquals(new int[] {6, 6}, s.computed());
        }
    }

    @Test
    void fbcacheSkipsWhereTheReferenceDecidesAndFeedsTheOutputStageTheCachedResidual() {
        checkAgainstReference("fbcache:threshold=%s,warmup=1,final=1,max_skip=2", 1);
    }

    @Test
    void taylorSkipsWhereTheReferenceDecidesAndFeedsTheOutputStageTheForecast() {
        checkAgainstReference("taylor:order=2,threshold=%s,warmup=1,final=1,max_skip=2", 2);
    }

    /**
     * Runs {@code template} with a threshold at the median first-block change of an uncached run (so both outcomes
     * occur), records the hidden states around the stages, and replays the rule here: relative L1 of the first block's
     * residual against the last computed step's, warm-up/final/max_skip; a skipped branch's output-stage input must be
     * its first block's output plus the last computed residual of the rest (order 1: reuse; order 2: the quadratic
     * through the last three computed steps, in Lagrange form).
     */
    private void checkAgainstReference(String template, int order) {
        int steps = 12;
        GenerationRequest request = new GenerationRequest("a red circle moving left", 3, 16, 16, steps, 4.0, 3.0, 5, "dense");
        Recording probe = record(request.withStepCache("fbcache:threshold=0,warmup=0"));
        List<Double> changes = new ArrayList<>();
        for (int s = 1; s < steps; s++) changes.add(relL1(probe.firstResidual(s, 0), probe.firstResidual(s - 1, 0)));
        double threshold = changes.stream().sorted().toList().get(changes.size() / 2) * 1.0001;
        String spec = String.format(java.util.Locale.ROOT, template, Double.toString(threshold));
        Recording run = record(request.withStepCache(spec));
        int totalSkips = 0;
        for (int b = 0; b < 2; b++) {
            Integer last = null;
            List<Integer> computedSteps = new ArrayList<>();
            int inRow = 0;
            int skips = 0;
            for (int s = 0; s < steps; s++) {
                boolean skip = last != null && s >= 1 && s < steps - 1 && inRow < 2
                        && relL1(run.firstResidual(s, b), run.firstResidual(last, b)) < threshold;
                float[] head = run.head.get(s)[b];
                if (!skip) {
                    assertArrayEquals(run.last.get(s)[b], head, "step " + s + " branch " + b + " computed: the blocks' output");
                    last = s;
                    computedSteps.add(s);
                    inRow = 0;
                } else {
                    inRow++;
                    skips++;
                    float[] first = run.first.get(s)[b];
                    for (int i = 0; i < head.length; i += 7) {
                        double expected = first[i] + forecast(run, computedSteps, b, i, s, order);
                        assertEquals(expected, head[i], 1e-4 * (1 + Math.abs(expected)), "step " + s + " branch " + b + " value " + i);
                    }
                }
            }
            assertEquals(skips, run.result.stepCache().skipped()[b], "branch " + b + ": " + run.result.stepCache());
            assertEquals(steps - skips, run.result.stepCache().computed()[b]);
            totalSkips += skips;
        }
        assertTrue(totalSkips > 0, "the median threshold makes some steps skip");
        long skippedAttention = run.result.attentionCalls().stream().filter(c -> c.layer() > 0).count();
        assertTrue(skippedAttention < 2L * steps * (BIDIRECTIONAL.blocks() - 1), "skipped branches run no attention after block 0");
    }

    private static double forecast(Recording run, List<Integer> computed, int b, int i, int step, int order) {
        int n = Math.min(order + 1, computed.size());
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int j = 0; j < n; j++) {
            int s = computed.get(computed.size() - n + j);
            xs[j] = s;
            ys[j] = (double) run.last.get(s)[b][i] - run.first.get(s)[b][i];
        }
        if (order == 1) return ys[n - 1];
        double sum = 0;
        for (int j = 0; j < n; j++) {
            double term = ys[j];
            for (int m = 0; m < n; m++) if (m != j) term *= (step - xs[m]) / (xs[j] - xs[m]);
            sum += term;
        }
        return sum;
    }

    @Test
    void calibrationRecordsTheMeanAbsoluteResidualOfTheBlockStack() {
        int steps = 5;
        GenerationRequest request = new GenerationRequest("a red circle moving left", 3, 16, 16, steps, 4.0, 3.0, 5, "dense");
        Recording run = record(request.withStepCache(MagCachePlan.CALIBRATION_SPEC));
        MagCachePlan plan = MagCachePlan.fromRun("tiny", request.prompt(), 5, run.result.stepCache());
        for (int b = 0; b < 2; b++) {
            for (int s = 0; s < steps; s++) {
                float[] in = run.input.get(s)[b], out = run.last.get(s)[b];
                double sum = 0;
                for (int i = 0; i < in.length; i++) sum += Math.abs((double) out[i] - in[i]);
                assertEquals(sum / in.length, plan.magnitudes()[b][s], 1e-9 * sum / in.length, "branch " + b + " step " + s);
            }
        }
    }

    /**
     * MagCache on a plan from a calibration run: skip decisions replayed here from the plan's ratios (accumulated ratio
     * product, summed |1 − product|, reset on compute), and a skipped branch feeds the output stage its input-stage
     * output plus the last computed residual of the whole stack (first=0: no block runs on a fully skipped step).
     */
    @Test
    void magcacheSkipsWhereThePlanSaysAndReusesTheWholeStacksResidual(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        int steps = 10;
        GenerationRequest request = new GenerationRequest("a red circle moving left", 3, 16, 16, steps, 4.0, 3.0, 5, "dense");
        MagCachePlan plan = MagCachePlan.fromRun("tiny", request.prompt(), 5, record(request.withStepCache(MagCachePlan.CALIBRATION_SPEC)).result.stepCache());
        java.nio.file.Path file = dir.resolve("plan.json");
        plan.write(file);
        double threshold = 0.3;
        Recording run = record(request.withStepCache("magcache:plan=" + file + ",threshold=" + threshold + ",warmup=1,max_skip=3"));
        int total = 0;
        for (int b = 0; b < 2; b++) {
            double[] m = plan.magnitudes()[b];
            double acc = 1, err = 0;
            int inRow = 0, skips = 0;
            Integer last = null;
            for (int s = 0; s < steps; s++) {
                boolean skip = false;
                if (last != null && s >= 1 && inRow < 3) {
                    acc *= m[s] / m[s - 1];
                    err += Math.abs(1 - acc);
                    skip = err < threshold;
                }
                float[] head = run.head.get(s)[b];
                if (skip) {
                    inRow++;
                    skips++;
                    float[] in = run.input.get(s)[b];
                    for (int i = 0; i < head.length; i += 5) {
                        double expected = in[i] + ((double) run.last.get(last)[b][i] - run.input.get(last)[b][i]);
                        assertEquals(expected, head[i], 1e-5 * (1 + Math.abs(expected)), "step " + s + " branch " + b);
                    }
                } else {
                    acc = 1;
                    err = 0;
                    inRow = 0;
                    last = s;
                    assertArrayEquals(run.last.get(s)[b], head, "step " + s + " branch " + b + " computed");
                }
            }
            assertEquals(skips, run.result.stepCache().skipped()[b], run.result.stepCache().toString());
            total += skips;
        }
        assertTrue(total > 0, "threshold " + threshold + " skips some steps on this plan");
    }

    @Test
    void cfgCachingLeavesTheUnconditionalAttentionOutOnReuseSteps() {
        try (Pipeline p = Pipeline.of(Mode.FULL.weights(), new Pipeline.Options(1, null))) {
            GenerationResult r = p.generate(REQUEST.withStepCache("fbcache:threshold=0,warmup=1,final=1,cfg=2"));
            // steps 0 and 5 are warm-up/final; from step 0 on the unconditional branch runs every 2nd step: 1 and 3 reuse
            assertEquals(2, r.stepCache().cfgReused(), r.stepCache().toString());
            List<Integer> uncondSteps = r.attentionCalls().stream().filter(c -> c.branch() == Branch.UNCOND)
                    .map(AttentionCall::step).distinct().toList();
            assertEquals(List.of(0, 2, 4, 5), uncondSteps);
            assertArrayEquals(new int[] {6, 4}, r.stepCache().computed());
        }
    }

    /**
     * CFG-reuse steps ask the stages for the conditional branch alone (batch 1) through the blocks and the head; every
     * other step asks for both.
     */
    @Test
    void cfgReuseStepsLimitTheStagesToTheConditionalBranch() {
        GenerationRequest request = REQUEST.withStepCache("fbcache:threshold=0,warmup=1,final=1,cfg=2");
        Recording run = record(request);
        assertEquals(REQUEST.steps(), run.limits.size());
        for (int s = 0; s < REQUEST.steps(); s++) {
            int expected = s == 1 || s == 3 ? 1 : 2;
            assertEquals(List.of(expected), run.limits.get(s).stream().distinct().toList(), "step " + s);
        }
        assertEquals(2, run.result.stepCache().cfgReused());
        Recording fullBatch = record(request, false);
        float[] a = run.result.video().rgb(), b = fullBatch.result.video().rgb();
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (double) (a[i] - b[i]) * (a[i] - b[i]);
            den += (double) b[i] * b[i];
        }
        assertTrue(Math.sqrt(num / den) < 1e-6, "batch-1 reuse steps vs full-batch stages: relative L2 " + Math.sqrt(num / den));
    }

    /**
     * {@code interval=N}: after warm-up every N-th step computes, whatever the residuals do; the others run no block
     * ({@code first} defaults to 0) and feed the output stage the input stage's output plus the last computed residual
     * of the whole stack (fbcache) or its forecast (taylor, order 2 through the last three computed steps).
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"fbcache", "taylor:order=2"})
    void intervalSkipsOnAFixedScheduleAndReusesTheWholeStack(String cache) {
        int steps = 12;
        GenerationRequest request = new GenerationRequest("a red circle moving left", 3, 16, 16, steps, 4.0, 3.0, 5, "dense");
        String spec = cache + (cache.contains(":") ? "," : ":") + "interval=3,warmup=2,final=1";
        Recording run = record(request.withStepCache(spec));
        List<Integer> expected = List.of(0, 1, 2, 5, 8, 11);
        assertEquals(expected, run.result.attentionCalls().stream().map(AttentionCall::step).distinct().toList());
        assertArrayEquals(new int[] {6, 6}, run.result.stepCache().computed(), run.result.stepCache().toString());
        int order = cache.startsWith("taylor") ? 2 : 0;   // 0: plain reuse of the last computed residual
        for (int b = 0; b < 2; b++) {
            List<Integer> computed = new ArrayList<>();
            for (int s = 0; s < steps; s++) {
                float[] head = run.head.get(s)[b];
                if (expected.contains(s)) {
                    assertArrayEquals(run.last.get(s)[b], head, "step " + s + " computed");
                    computed.add(s);
                    continue;
                }
                float[] in = run.input.get(s)[b];
                for (int i = 0; i < head.length; i += 5) {
                    double e = in[i] + stackForecast(run, computed, b, i, s, order);
                    assertEquals(e, head[i], 1e-4 * (1 + Math.abs(e)), spec + " step " + s + " branch " + b + " value " + i);
                }
            }
        }
    }

    /**
     * A schedule with CFG caching: the conditional branch computes exactly on the scheduled steps, the unconditional
     * one on every second of them (the others reuse), and on no step off the schedule.
     */
    @Test
    void intervalWithCfgReuseComputesTheUnconditionalBranchOnlyOnScheduledSteps() {
        int steps = 30;
        GenerationRequest request = new GenerationRequest("a red circle moving left", 3, 16, 16, steps, 4.0, 3.0, 5, "dense");
        GenerationResult r = record(request.withStepCache("fbcache:interval=3,warmup=2,final=1,cfg=2")).result;
        List<Integer> scheduled = new ArrayList<>(List.of(0, 1));
        for (int s = 2; s < steps - 1; s += 3) scheduled.add(s);
        scheduled.add(steps - 1);
        List<Integer> cond = r.attentionCalls().stream().filter(c -> c.branch() == Branch.COND).map(AttentionCall::step).distinct().toList();
        List<Integer> uncond = r.attentionCalls().stream().filter(c -> c.branch() == Branch.UNCOND).map(AttentionCall::step).distinct().toList();
        assertEquals(scheduled, cond);
        // scheduled after warm-up: 2, 5, 8, …, 26 reuse on every other one from 2 on; 0, 1 and the final 29 are dense
        List<Integer> expectedUncond = new ArrayList<>(List.of(0, 1));
        for (int s = 5; s < steps - 1; s += 6) expectedUncond.add(s);
        expectedUncond.add(steps - 1);
        assertEquals(expectedUncond, uncond, r.stepCache().toString());
        assertEquals(scheduled.size() - expectedUncond.size(), r.stepCache().cfgReused());
    }

    /** The residual of the whole block stack (last block's output − input stage's output) extrapolated to {@code step}. */
    private static double stackForecast(Recording run, List<Integer> computed, int b, int i, int step, int order) {
        int n = Math.min(order + 1, computed.size());
        double sum = 0;
        for (int j = 0; j < n; j++) {
            int sj = computed.get(computed.size() - n + j);
            double term = (double) run.last.get(sj)[b][i] - run.input.get(sj)[b][i];
            for (int m = 0; m < n; m++) {
                int sm = computed.get(computed.size() - n + m);
                if (m != j) term *= (step - sm) / (double) (sj - sm);
            }
            sum += term;
        }
        return sum;
    }

    @Test
    void aBadSpecOrPlanIsRefusedBeforeAnythingRuns() {
        try (Pipeline p = Pipeline.of(Mode.FULL.weights(), new Pipeline.Options(1, null))) {
            var e = assertThrows(IllegalArgumentException.class, () -> p.generate(REQUEST.withStepCache("fbcache:treshold=1")));
            assertTrue(e.getMessage().startsWith("step cache fbcache: unknown parameter 'treshold'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> p.generate(REQUEST.withStepCache("magcache:plan=/nonexistent/p.json")));
            assertTrue(e.getMessage().startsWith("magcache plan /nonexistent/p.json cannot be read"), e.getMessage());
        }
    }

    private static double relL1(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < a.length; i++) {
            num += Math.abs((double) a[i] - b[i]);
            den += Math.abs((double) b[i]);
        }
        return num / den;
    }

    /** Hidden states per step and branch: after the input stage, after block 0, after the last block, into the head. */
    private static final class Recording {
        final List<float[][]> input = new ArrayList<>();
        final List<float[][]> first = new ArrayList<>();
        final List<float[][]> last = new ArrayList<>();
        final List<float[][]> head = new ArrayList<>();
        /** Per step, the branch count the stages were limited to at each pre and head call. */
        final List<List<Integer>> limits = new ArrayList<>();
        int limit;
        /** Whether limitBranches reaches the stages (false: they run every branch on every step). */
        boolean narrow = true;
        GenerationResult result;

        float[] firstResidual(int step, int b) {
            float[] out = first.get(step)[b].clone();
            for (int i = 0; i < out.length; i++) out[i] -= input.get(step)[b][i];
            return out;
        }
    }

    private static Recording record(GenerationRequest request) {
        return record(request, true);
    }

    private static Recording record(GenerationRequest request, boolean narrow) {
        Recording rec = new Recording();
        rec.narrow = narrow;
        TinyDitModel tiny = new TinyDitModel(Mode.FULL.weights(), new StageOptions(1, null));
        try (Pipeline p = Pipeline.of(new RecordingModel(tiny, rec), new Pipeline.Options(1, null))) {
            rec.result = p.generate(request);
        }
        return rec;
    }

    /** The tiny model with stages that copy the hidden state around each stage into a {@link Recording}. */
    private record RecordingModel(DenoiserModel model, Recording rec) implements DenoiserModel {
        public ModelCard card() {
            return model.card();
        }

        public LatentLayout layout(int frames, int height, int width) {
            return model.layout(frames, height, width);
        }

        public DenoiserStages stages(TokenGrid grid, int batch) {
            return new RecordingStages(model.stages(grid, batch), model.card().blocks(), rec);
        }

        public Sampler sampler(int steps, double shift) {
            return model.sampler(steps, shift);
        }

        public List<String> promptWarnings(String prompt) {
            return model.promptWarnings(prompt);
        }

        public void estimateMemory(MemoryEstimate.Builder estimate, LatentLayout layout, int batch, int segmentFrames) {
            model.estimateMemory(estimate, layout, batch, segmentFrames);
        }

        public StageProvider stageProvider() {
            return model.stageProvider();
        }

        public void close() {
            model.close();
        }
    }

    private record RecordingStages(DenoiserStages s, int blocks, Recording rec) implements DenoiserStages {
        private float[][] snapshot() {
            float[][] out = new float[s.batch()][s.hiddenValues()];
            for (int b = 0; b < s.batch(); b++) s.readHidden(b, out[b]);
            return out;
        }

        public long embed(float[] latent, double time) {
            long n = s.embed(latent, time);
            rec.limit = s.batch();
            rec.limits.add(new ArrayList<>());
            rec.input.add(snapshot());
            rec.first.add(null);
            rec.last.add(null);
            return n;
        }

        public long post(int layer) {
            long n = s.post(layer);
            int step = rec.input.size() - 1;
            if (layer == 0) rec.first.set(step, snapshot());
            if (layer == blocks - 1) rec.last.set(step, snapshot());
            return n;
        }

        public long head() {
            rec.head.add(snapshot());
            rec.limits.getLast().add(rec.limit);
            return s.head();
        }

        public void limitBranches(int count) {
            rec.limit = count;
            if (rec.narrow) s.limitBranches(count);
        }

        public int batch() {
            return s.batch();
        }

        public long encodeText(List<String> prompts) {
            return s.encodeText(prompts);
        }

        public void framePositions(TokenGrid grid, int firstFrame, int clipFrames) {
            s.framePositions(grid, firstFrame, clipFrames);
        }

        public long pre(int layer) {
            rec.limits.getLast().add(rec.limit);
            return s.pre(layer);
        }

        public int hiddenValues() {
            return s.hiddenValues();
        }

        public void readHidden(int branch, float[] into) {
            s.readHidden(branch, into);
        }

        public void writeHidden(int branch, float[] from) {
            s.writeHidden(branch, from);
        }

        public Tensor q(int branch) {
            return s.q(branch);
        }

        public Tensor k(int branch) {
            return s.k(branch);
        }

        public Tensor v(int branch) {
            return s.v(branch);
        }

        public Tensor out(int branch) {
            return s.out(branch);
        }

        public float[] output() {
            return s.output();
        }

        public long hostToDeviceBytes() {
            return s.hostToDeviceBytes();
        }

        public long deviceToHostBytes() {
            return s.deviceToHostBytes();
        }

        public void close() {
            s.close();
        }
    }
}
