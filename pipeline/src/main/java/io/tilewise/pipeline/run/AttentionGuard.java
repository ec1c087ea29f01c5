package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.cpu.FiniteScan;
import io.tilewise.attention.tensor.Tensor;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * One self-attention call of a generation with its inputs and output checked for NaN and infinity
 * ({@link FiniteScan}: one vectorized read of each tensor, small next to attention itself). Bad inputs stop the
 * generation; a bad output stops it too, or, under the policy option {@code nonfinite=dense}, is recomputed with
 * dense attention and reported as a warning. Every stop is a {@link NonFiniteAttentionException} naming layer, step,
 * branch, tensor and position.
 */
final class AttentionGuard {

    private final AttentionPolicy.NonFinite onOutput;
    private final Supplier<AttentionSession> dense;

    /** @param dense the dense session of the generation's shape, for fallbacks (prepared on first use) */
    AttentionGuard(AttentionPolicy.NonFinite onOutput, Supplier<AttentionSession> dense) {
        this.onOutput = onOutput;
        this.dense = dense;
    }

    /** Runs the call and returns its record; {@code warnings} receives a line per fallback. */
    AttentionCall forward(AttentionKernel kernel, AttentionSession session, Tensor q, Tensor k, Tensor v,
                          AttentionContext ctx, Tensor out, List<String> warnings) {
        requireFinite(q, "q", ctx, kernel, "the model's pre stage gave it; attention cannot repair its inputs");
        requireFinite(k, "k", ctx, kernel, "the model's pre stage gave it; attention cannot repair its inputs");
        requireFinite(v, "v", ctx, kernel, "the model's pre stage gave it; attention cannot repair its inputs");
        long start = System.nanoTime();
        session.forward(q, k, v, ctx, out);
        long nanos = System.nanoTime() - start;
        long bad = FiniteScan.firstNonFinite(out);
        if (bad < 0) return call(ctx, kernel.spec(), session.executedDensity(), nanos);
        String found = describe(out, bad, "output of " + kernel.spec(), ctx);
        if (onOutput != AttentionPolicy.NonFinite.DENSE || kernel.id().equals("dense")) {
            throw new NonFiniteAttentionException(found + " (its inputs were finite)"
                    + (kernel.id().equals("dense") ? "" : "; the policy option nonfinite=dense runs dense attention for such calls"),
                    ctx.layer(), ctx.step(), ctx.branch(), "output");
        }
        AttentionSession fallback = dense.get();
        start = System.nanoTime();
        fallback.forward(q, k, v, ctx, out);
        nanos += System.nanoTime() - start;
        requireFinite(out, "output", ctx, null, "dense attention of finite inputs");
        warnings.add(found + "; ran dense attention for this call (nonfinite=dense)");
        System.getLogger(Pipeline.class.getName()).log(System.Logger.Level.WARNING, warnings.getLast());
        return call(ctx, "dense", fallback.executedDensity(), nanos);
    }

    private static void requireFinite(Tensor t, String name, AttentionContext ctx, AttentionKernel kernel, String why) {
        long bad = FiniteScan.firstNonFinite(t);
        if (bad < 0) return;
        String what = kernel == null ? name : "input " + name + " of " + kernel.spec();
        throw new NonFiniteAttentionException(describe(t, bad, what, ctx) + " (" + why + ")", ctx.layer(), ctx.step(),
                ctx.branch(), name);
    }

    /** {@code NaN in the output of radial at layer 3, step 5, branch cond [head 1, token 17, dim 4]}. */
    private static String describe(Tensor t, long index, String what, AttentionContext ctx) {
        float x = t.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, index);
        return (Float.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf") + " in " + what + " at layer " + ctx.layer() + ", step "
                + ctx.step() + ", branch " + ctx.branch().name().toLowerCase(Locale.ROOT) + " [" + FiniteScan.position(t, index) + "]";
    }

    private static AttentionCall call(AttentionContext ctx, String spec, double density, long nanos) {
        return new AttentionCall(ctx.step(), ctx.layer(), ctx.branch(), spec, density, nanos);
    }
}
