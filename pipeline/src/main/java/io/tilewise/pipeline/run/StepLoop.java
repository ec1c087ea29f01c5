package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.TokenOrder;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.family.Sampler;
import io.tilewise.pipeline.stepcache.BranchCache;
import io.tilewise.pipeline.stepcache.MagCachePlan;
import io.tilewise.pipeline.stepcache.StepCachePolicy;
import io.tilewise.pipeline.stepcache.StepCacheStats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one denoising loop of every generation mode. Full-clip generation runs it once over the clip; streaming runs it
 * once per chunk (and runs {@link #forward} for the cache pass between chunks). Everything a step does happens here:
 * the stages, our attention per layer and CFG branch as the policy chooses (through the NaN/Inf guard), classifier-
 * free guidance, the sampler step, stage/attention timings, attention call records, progress and warnings — so
 * every promise of docs/hardening.md holds in both modes.
 *
 * <p>With a step cache ({@link StepCachePolicy}) a step runs the input stage and the first blocks, then per CFG
 * branch asks its {@link BranchCache} whether to run the remaining blocks; a branch that skips gets the first
 * blocks' output plus the cached (or forecast) residual of the rest. The remaining blocks run when any branch
 * computes, with attention only for the computing branches, and at batch 1 ({@link DenoiserStages#limitBranches})
 * when only the conditional branch needs them; when none does, they do not run at all. CFG caching leaves the
 * unconditional branch out of its reuse steps (stages and attention) and rebuilds its output from the conditional
 * one and the last cond − uncond difference.
 */
final class StepLoop {

    /** Where a mode runs one self-attention call. */
    interface AttentionSite {
        /** The call of {@code kernel} for CFG branch {@code branch} at {@code layer}. */
        AttentionGuard.Invocation call(AttentionKernel kernel, int layer, int branch);

        /** The same call with dense attention (the guard's {@code nonfinite=dense} fallback, the streaming cache pass). */
        AttentionGuard.Invocation dense(int layer, int branch);

        /** Host→device bytes, device→host bytes and copy nanoseconds of attention so far (zeros on the host). */
        default long[] copies() {
            return new long[3];
        }
    }

    private static final System.Logger LOG = System.getLogger(Pipeline.class.getName());

    private final GenerationRequest request;
    private final AttentionPolicy policy;
    private final StepListener listener;
    private final AttentionGuard guard;
    private final int blocks;
    private final long start;
    private final List<AttentionCall> calls = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final StepCachePolicy stepCache;
    private final MagCachePlan magPlan;
    private long stageNanos;
    private long attentionNanos;
    private long cacheNanos;
    private long skippedStepNanos;
    private long denoiseNanos;
    private int[] computed = new int[2];
    private int[] skipped = new int[2];
    private int cfgReused;
    private double[][] magnitudes;

    StepLoop(GenerationRequest request, AttentionPolicy policy, int blocks, StepListener listener, long start) {
        this(request, policy, StepCachePolicy.NONE, null, blocks, listener, start);
    }

    /** @param magPlan the magcache plan when {@code stepCache} is a magcache (else null) */
    StepLoop(GenerationRequest request, AttentionPolicy policy, StepCachePolicy stepCache, MagCachePlan magPlan, int blocks,
             StepListener listener, long start) {
        this.request = request;
        this.stepCache = stepCache;
        this.magPlan = magPlan;
        this.blocks = blocks;
        this.policy = policy;
        this.listener = listener == null ? StepListener.NONE : listener;
        this.guard = new AttentionGuard(policy.nonFinite());
        this.start = start;
    }

    /** Records a warning for the result and logs it, so library users and the CLI both see it. */
    void warn(String warning) {
        warnings.add(warning);
        LOG.log(System.Logger.Level.WARNING, warning);
    }

    /** Adds stage time spent outside the loop (text encoding). */
    void stageTime(long nanos) {
        stageNanos += nanos;
    }

    void attentionTime(long nanos) {
        attentionNanos += nanos;
    }

    /**
     * Denoises {@code x} in place over every step of {@code sampler}. Progress and call records count steps from
     * {@code stepOffset} of {@code totalSteps} (chunks of a stream continue where the last stopped); the attention
     * context carries the segment's own step, which is what refresh intervals count.
     *
     * @return nanoseconds of this segment's self-attention calls
     */
    long denoise(DenoiserStages stages, Sampler sampler, float[] x, AttentionSite site, int stepOffset, int totalSteps) {
        int batch = stages.batch();
        float[] guided = new float[x.length];
        long before = attentionNanos;
        if (!stepCache.isNone()) {
            cachedSteps(stages, sampler, x, site, stepOffset, totalSteps, guided);
            return attentionNanos - before;
        }
        for (int step = 0; step < sampler.steps(); step++) {
            long stepStart = System.nanoTime();
            double t = sampler.time(step);
            int s = step;
            forward(stages, x, t, policyAttention(stages, site, s, sampler.steps(), t, stepOffset));
            float[] output = stages.output();
            if (batch == 2) FlowMatchEuler.guide(output, 0, output, x.length, request.guidance(), guided);
            else System.arraycopy(output, 0, guided, 0, guided.length);
            sampler.step(step, guided, x);
            stepDone(stepOffset + step, totalSteps, t, stepStart);
        }
        for (int b = 0; b < batch; b++) computed[b] += sampler.steps();
        return attentionNanos - before;
    }

    /** The policy's attention for step {@code s} through the guard, recorded as a call. */
    private BlockAttention policyAttention(DenoiserStages stages, AttentionSite site, int s, int steps, double t, int stepOffset) {
        return (layer, b) -> {
            Branch branch = b == 0 ? Branch.COND : Branch.UNCOND;
            AttentionKernel kernel = policy.kernelFor(layer, s, branch);
            AttentionContext ctx = new AttentionContext(s, steps, t, layer, branch, Float.NaN, TokenOrder.IDENTITY);
            AttentionCall call = guard.forward(kernel, site.call(kernel, layer, b), () -> site.dense(layer, b),
                    stages.q(b), stages.k(b), stages.v(b), ctx, stages.out(b), this::warn);
            calls.add(new AttentionCall(stepOffset + s, layer, branch, call.spec(), call.executedDensity(), call.nanos()));
            return call.nanos();
        };
    }

    /** The denoising steps of one segment under the step cache (see the class comment). */
    private void cachedSteps(DenoiserStages stages, Sampler sampler, float[] x, AttentionSite site, int stepOffset, int totalSteps,
                             float[] guided) {
        int batch = stages.batch();
        int steps = sampler.steps();
        int n = stages.hiddenValues();
        int first = Math.min(stepCache.first(), blocks);
        if (magnitudes == null) {
            magnitudes = new double[batch][totalSteps];
            for (double[] m : magnitudes) java.util.Arrays.fill(m, Double.NaN);
        }
        BranchCache[] caches = new BranchCache[batch];
        for (int b = 0; b < batch; b++) {
            caches[b] = new BranchCache(stepCache, steps, magPlan == null ? null : magPlan.ratios(b, steps));
        }
        float[][] input = new float[batch][n];
        float[][] afterFirst = new float[batch][n];
        float[][] firstResidual = new float[batch][];
        float[] out = new float[n];
        float[] difference = null;
        int uncondSince = 0;
        int latent = x.length;
        for (int step = 0; step < steps; step++) {
            long stepStart = System.nanoTime();
            double t = sampler.time(step);
            BlockAttention attention = policyAttention(stages, site, step, steps, t, stepOffset);
            // CFG caching counts the steps the schedule computes: a step every branch skips by schedule leaves it alone
            boolean scheduled = stepCache.scheduled(step, steps);
            boolean reuseUncond = batch == 2 && stepCache.cfg() >= 2 && difference != null && !stepCache.dense(step, steps)
                    && scheduled && uncondSince + 1 < stepCache.cfg();
            boolean[] active = new boolean[batch];
            for (int b = 0; b < batch; b++) active[b] = b == 0 || !reuseUncond;
            stageNanos += stages.embed(x, t);
            long c0 = System.nanoTime();
            for (int b = 0; b < batch; b++) if (active[b]) stages.readHidden(b, input[b]);
            cacheNanos += System.nanoTime() - c0;
            stages.limitBranches(leading(active));
            runBlocks(stages, 0, first, active, attention);
            c0 = System.nanoTime();
            boolean[] run = new boolean[batch];
            boolean any = false;
            for (int b = 0; b < batch; b++) {
                if (!active[b]) continue;
                if (first > 0) {
                    stages.readHidden(b, afterFirst[b]);
                    if (firstResidual[b] == null) firstResidual[b] = new float[n];
                    for (int i = 0; i < n; i++) firstResidual[b][i] = afterFirst[b][i] - input[b][i];
                } else {
                    System.arraycopy(input[b], 0, afterFirst[b], 0, n);
                }
                run[b] = !caches[b].skip(step, first > 0 ? firstResidual[b] : null);
                any |= run[b];
            }
            cacheNanos += System.nanoTime() - c0;
            if (any) {
                stages.limitBranches(leading(run));
                runBlocks(stages, first, blocks, run, attention);
            }
            c0 = System.nanoTime();
            for (int b = 0; b < batch; b++) {
                if (!active[b]) continue;
                if (run[b]) {
                    stages.readHidden(b, out);
                    double magnitude = 0;
                    for (int i = 0; i < n; i++) magnitude += Math.abs((double) out[i] - input[b][i]);
                    magnitudes[b][stepOffset + step] = magnitude / n;
                    for (int i = 0; i < n; i++) out[i] -= afterFirst[b][i];
                    caches[b].computed(step, first > 0 ? firstResidual[b] : null, out);
                    computed[b]++;
                } else {
                    float[] residual = caches[b].residual(step);
                    for (int i = 0; i < n; i++) out[i] = afterFirst[b][i] + residual[i];
                    stages.writeHidden(b, out);
                    skipped[b]++;
                }
            }
            cacheNanos += System.nanoTime() - c0;
            stages.limitBranches(leading(active));
            stageNanos += stages.head();
            float[] output = stages.output();
            if (batch == 2) {
                if (reuseUncond) {
                    for (int i = 0; i < latent; i++) output[latent + i] = output[i] - difference[i];
                    cfgReused++;
                    uncondSince++;
                } else if (stepCache.cfg() >= 2 && scheduled) {
                    if (difference == null) difference = new float[latent];
                    for (int i = 0; i < latent; i++) difference[i] = output[i] - output[latent + i];
                    uncondSince = 0;
                }
                FlowMatchEuler.guide(output, 0, output, latent, request.guidance(), guided);
            } else {
                System.arraycopy(output, 0, guided, 0, guided.length);
            }
            sampler.step(step, guided, x);
            if (!any) skippedStepNanos += System.nanoTime() - stepStart;
            stepDone(stepOffset + step, totalSteps, t, stepStart);
        }
    }

    /** Counts a finished step's time and reports progress. */
    private void stepDone(int step, int totalSteps, double t, long stepStart) {
        long now = System.nanoTime();
        denoiseNanos += now - stepStart;
        listener.onStep(new StepListener.StepProgress(step, totalSteps, t, now - start, denoiseNanos));
    }

    /**
     * How many leading branches the stages must compute to cover the marked ones: a conditional-only step runs the
     * ORT stages at batch 1 (the unconditional branch is the second item), anything else at the full batch.
     */
    private static int leading(boolean[] branches) {
        int n = 0;
        for (int b = 0; b < branches.length; b++) if (branches[b]) n = b + 1;
        return Math.max(n, 1);
    }

    /** Blocks {@code from} until {@code to}, with attention for the branches marked in {@code branches}. */
    private void runBlocks(DenoiserStages stages, int from, int to, boolean[] branches, BlockAttention attention) {
        for (int layer = from; layer < to; layer++) {
            stageNanos += stages.pre(layer);
            for (int b = 0; b < branches.length; b++) if (branches[b]) attentionNanos += attention.run(layer, b);
            stageNanos += stages.post(layer);
        }
    }

    /** Self-attention of one layer and branch; returns its nanoseconds. */
    @FunctionalInterface
    interface BlockAttention {
        long run(int layer, int branch);
    }

    /** One transformer forward of {@code x} at model time {@code t}: input stage, blocks with {@code attention}, output stage. */
    void forward(DenoiserStages stages, float[] x, double t, BlockAttention attention) {
        stageNanos += stages.embed(x, t);
        for (int layer = 0; layer < blocks; layer++) {
            stageNanos += stages.pre(layer);
            for (int b = 0; b < stages.batch(); b++) attentionNanos += attention.run(layer, b);
            stageNanos += stages.post(layer);
        }
        stageNanos += stages.head();
    }

    GenerationResult result(Video video, Supplier<Transfers> transfers, long prepareNanos) {
        Timings timings = new Timings(System.nanoTime() - start, stageNanos, attentionNanos, prepareNanos, transfers.get(), cacheNanos,
                denoiseNanos);
        int batch = request.usesGuidance() ? 2 : 1;
        StepCacheStats stats = new StepCacheStats(stepCache.toString(), java.util.Arrays.copyOf(computed, batch),
                java.util.Arrays.copyOf(skipped, batch), cfgReused, cacheNanos, skippedStepNanos,
                magnitudes == null ? new double[0][] : magnitudes);
        return new GenerationResult(video, timings, calls, warnings, policy.toString(), stats);
    }
}
