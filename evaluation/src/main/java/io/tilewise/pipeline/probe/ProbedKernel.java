package io.tilewise.pipeline.probe;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.InputPlanner;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.PermutedCall;
import io.tilewise.attention.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.function.Function;

/**
 * The probed wrapper of docs/design.md §3: runs the wrapped method as usual (its output is the call's output) and, on the
 * calls the {@link ProbeSampler} picks, also dense attention on the same q, k, v, recording relative L2, cosine and
 * the dense softmax mass inside the method's mask in a {@link ProbeLog}. Dense methods pass through unprobed.
 *
 * <p>The mask mass comes from log-sum-exps ({@link MaskMass}): the method's own LSE covers exactly the pairs it
 * computes; a method that plans from its inputs ({@link InputPlanner}, PISA) may approximate tiles its LSE also covers,
 * so for it the planner's exact tiles are run again alone.
 * Probing costs a dense attention per sampled call: time probed runs apart from timed ones.
 */
public final class ProbedKernel extends ForwardingKernel {

    private final ProbeSampler sampler;
    private final ProbeLog log;

    public ProbedKernel(AttentionKernel inner, ProbeSampler sampler, ProbeLog log) {
        super(inner);
        this.sampler = sampler;
        this.log = log;
    }

    /** A kernel factory (for {@code Pipeline.Options.withKernels}) that probes every kernel {@code kernels} makes. */
    public static <S> Function<S, AttentionKernel> wrapping(Function<S, AttentionKernel> kernels, ProbeSampler sampler, ProbeLog log) {
        return spec -> new ProbedKernel(kernels.apply(spec), sampler, log);
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        AttentionSession session = inner.prepare(shape, device);
        if (inner.id().equals("dense")) return session;
        return new Session(shape, session, new DenseKernel().prepare(shape, device), inner.inputPlanner(shape).orElse(null));
    }

    @Override
    public String toString() {
        return "probed " + inner.spec();
    }

    private final class Session extends AbstractAttentionSession {
        private final AttentionSession method;
        private final AttentionSession dense;
        private Tensor methodLse, denseOut, denseLse, exactOut, exactLse;
        private final InputPlanner planner;
        private PermutedCall plannedOrder;

        Session(AttentionShape shape, AttentionSession method, AttentionSession dense, InputPlanner planner) {
            super(shape);
            this.method = method;
            this.dense = dense;
            this.planner = planner;
        }

        @Override
        protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
            if (!sampler.sampled(ctx)) {
                method.forward(q, k, v, ctx, out, lse);
                return;
            }
            if (denseOut == null) {
                denseOut = out.zerosLike();
                denseLse = out.lseLike();
                methodLse = out.lseLike();
            }
            Tensor mLse = lse != null ? lse : methodLse;
            mLse.fill(Float.NaN);
            method.forward(q, k, v, ctx, out, mLse);
            dense.forward(q, k, v, ctx, denseOut, denseLse);
            TensorMetrics metrics = TensorMetrics.compare(out, denseOut);
            MaskMass.Mass mass = planner != null
                    ? MaskMass.fromLse(plannedExactLse(q, k, v, ctx), denseLse)
                    : MaskMass.fromLse(mLse, denseLse);
            log.add(new ProbeRecord(ctx.step(), ctx.layer(), ctx.branch(), inner.spec(), metrics.relL2(), metrics.cosine(),
                    mass.mean(), mass.min(), method.executedDensity()));
        }

        /** LSE over the planner's exactly computed tiles of this call (the planner is deterministic in q and k). */
        private Tensor plannedExactLse(Tensor q, Tensor k, Tensor v, AttentionContext ctx) {
            if (exactOut == null) {
                exactOut = q.zerosLike();
                exactLse = q.lseLike();
                plannedOrder = PermutedCall.ofOrder(planner.tokenOrder());
            }
            float scale = ctx.scaleFor(shape().headDim());
            BlockSparseExecutor executor = new BlockSparseExecutor(shape().headDim());
            // The plan is in the planner's token order: run it there, then put the LSE rows back in layout order.
            PermutedCall.run(plannedOrder, q, k, v, exactOut, exactLse, (tq, tk, tv, to, tl) -> {
                for (int b = 0; b < q.batch(); b++) {
                    BlockSparsePlan exact = MaskMass.exactPart(planner.plan(tq, tk, tv, b, scale).plan());
                    try (Tensor qb = slice(tq, b); Tensor kb = slice(tk, b); Tensor vb = slice(tv, b);
                         Tensor ob = slice(to, b); Tensor lb = slice(tl, b)) {
                        executor.execute(exact, qb, kb, vb, scale, ob, lb, null);
                    }
                }
            });
            return exactLse;
        }

        @Override
        public double executedDensity() {
            return method.executedDensity();
        }

        @Override
        protected void release() {
            method.close();
            dense.close();
            for (Tensor t : new Tensor[] {methodLse, denseOut, denseLse, exactOut, exactLse}) {
                if (t != null) t.close();
            }
            if (plannedOrder != null) plannedOrder.close();
        }

        private static Tensor slice(Tensor t, int b) {
            long floats = (long) t.heads() * t.seqLen() * t.headDim();
            MemorySegment part = t.segment().asSlice(b * floats * Float.BYTES, floats * Float.BYTES);
            return Tensor.wrap(part, 1, t.heads(), t.seqLen(), t.headDim());
        }
    }
}
