package io.tilewise.pipeline.run;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.cpu.FiniteScan;
import io.tilewise.attention.tensor.Tensor;

import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One self-attention call of a generation with its inputs and output checked for NaN and infinity
 * ({@link FiniteScan}: one vectorized read of each tensor, small next to attention itself). Bad inputs stop the
 * generation; a bad output stops it too, or, under the policy option {@code nonfinite=dense}, is recomputed with
 * dense attention and reported as a warning. Every stop is a {@link NonFiniteAttentionException} naming layer, step,
 * branch, tensor and position. Shared by the step loop and by single forwards outside it (Wan's {@code tilewise
 * forward}).
 */
public final class AttentionGuard {

    /**
     * One self-attention call as a generation mode makes it: a prepared session on the whole clip, or a chunk's
     * attention over the key/value cache of earlier chunks.
     */
    public interface Invocation {
        void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out);

        /** Fraction of the query-key pairs the last call computed. */
        double executedDensity();
    }

    /** A plain session as an invocation. */
    public static Invocation of(AttentionSession session) {
        return new Invocation() {
            @Override
            public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out) {
                session.forward(q, k, v, ctx, out);
            }

            @Override
            public double executedDensity() {
                return session.executedDensity();
            }
        };
    }

    private final AttentionPolicy.NonFinite onOutput;

    public AttentionGuard(AttentionPolicy.NonFinite onOutput) {
        this.onOutput = onOutput;
    }

    /**
     * Runs the call and returns its record; {@code warn} receives a line per fallback.
     *
     * @param dense the same call with dense attention, for the {@code nonfinite=dense} fallback (made on first use)
     */
    public AttentionCall forward(AttentionKernel kernel, Invocation session, Supplier<Invocation> dense, Tensor q, Tensor k,
                          Tensor v, AttentionContext ctx, Tensor out, Consumer<String> warn) {
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
        Invocation fallback = dense.get();
        start = System.nanoTime();
        fallback.forward(q, k, v, ctx, out);
        nanos += System.nanoTime() - start;
        requireFinite(out, "output", ctx, null, "dense attention of finite inputs");
        warn.accept(found + "; ran dense attention for this call (nonfinite=dense)");
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
