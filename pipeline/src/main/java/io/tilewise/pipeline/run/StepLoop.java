package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.TokenOrder;
import io.tilewise.pipeline.family.DenoiserStages;
import io.tilewise.pipeline.family.Sampler;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The one denoising loop of every generation mode. Full-clip generation runs it once over the clip; streaming runs it
 * once per chunk (and runs {@link #forward} for the cache pass between chunks). Everything a step does happens here:
 * the stages, our attention per layer and CFG branch as the policy chooses (through the NaN/Inf guard), classifier-
 * free guidance, the sampler step, stage/attention timings, attention call records, progress and warnings — so
 * every promise of docs/hardening.md holds in both modes.
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
    private long stageNanos;
    private long attentionNanos;

    StepLoop(GenerationRequest request, AttentionPolicy policy, int blocks, StepListener listener, long start) {
        this.request = request;
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
        for (int step = 0; step < sampler.steps(); step++) {
            double t = sampler.time(step);
            int s = step;
            forward(stages, x, t, (layer, b) -> {
                Branch branch = b == 0 ? Branch.COND : Branch.UNCOND;
                AttentionKernel kernel = policy.kernelFor(layer, s, branch);
                AttentionContext ctx = new AttentionContext(s, sampler.steps(), t, layer, branch, Float.NaN, TokenOrder.IDENTITY);
                AttentionCall call = guard.forward(kernel, site.call(kernel, layer, b), () -> site.dense(layer, b),
                        stages.q(b), stages.k(b), stages.v(b), ctx, stages.out(b), this::warn);
                calls.add(new AttentionCall(stepOffset + s, layer, branch, call.spec(), call.executedDensity(), call.nanos()));
                return call.nanos();
            });
            float[] output = stages.output();
            if (batch == 2) FlowMatchEuler.guide(output, 0, output, x.length, request.guidance(), guided);
            else System.arraycopy(output, 0, guided, 0, guided.length);
            sampler.step(step, guided, x);
            listener.onStep(new StepListener.StepProgress(stepOffset + step, totalSteps, t, System.nanoTime() - start));
        }
        return attentionNanos - before;
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
        Timings timings = new Timings(System.nanoTime() - start, stageNanos, attentionNanos, prepareNanos, transfers.get());
        return new GenerationResult(video, timings, calls, warnings, policy.toString());
    }
}
