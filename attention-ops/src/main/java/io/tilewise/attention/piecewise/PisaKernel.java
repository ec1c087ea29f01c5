package io.tilewise.attention.piecewise;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.InputPlanner;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.blocksparse.TileSummaries;
import io.tilewise.attention.cost.CostEstimate;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.metrics.PhaseTimes;
import io.tilewise.attention.tensor.RowPermutation;
import io.tilewise.attention.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * PISA on the CPU (docs/methods.md §5.1). Every forward runs the pre-pass and block choice of {@link PisaPlanner}
 * per batch element — the choice depends on q and k, so plans are per call — and hands the plan to the
 * block-sparse executor: selected blocks as exact tiles, the others as summary keys (logit {@code τ·q·k̄_j +
 * ln n_j}, value {@code Σv_j/n_j}) whose softmax mass {@code g_i} weights the first-order row
 * {@code τ·q_iᵀH/T} before normalisation. The executor rescales {@code g_i} with the running max like the
 * numerator, so {@code (acc + g·f)/l} equals {@code (exact_num + zeroth_num + first_order)/(exact_den + g_i)}.
 * With a tiling ({@link PisaTiling}) the pre-pass and the executor read q, k, v through the box order and write
 * out, lse back in the layout order (no permuted copies of the tensors).
 */
public final class PisaKernel implements AttentionKernel {

    /** Seed of the representative inputs behind {@link #plan(AttentionShape)}. */
    static final long PLAN_SEED = 20260205L;

    private final PisaSpec spec;

    public PisaKernel(PisaSpec spec) {
        this.spec = spec;
    }

    public PisaSpec pisaSpec() {
        return spec;
    }

    @Override
    public String id() {
        return "pisa";
    }

    @Override
    public String spec() {
        return spec.canonical();
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        return Support.yes();
    }

    /** The {@link #plan representative plan}, in PISA's token order. */
    @Override
    public Optional<TilePlan> tilePlan(AttentionShape shape) {
        return Optional.of(TilePlan.representative(plan(shape), spec.order(shape.layout())));
    }

    /** The pre-pass and block choice of each call ({@link PisaPlanner}), in PISA's token order. */
    @Override
    public Optional<InputPlanner> inputPlanner(AttentionShape shape) {
        PisaPlanner planner = new PisaPlanner(spec);
        int[] order = spec.order(shape.layout());
        int blocks = spec.blocks(shape.seqLen());
        double nominal = spec.topK(blocks) / (double) blocks;
        return Optional.of(new InputPlanner() {
            @Override
            public int[] tokenOrder() {
                return order;
            }

            @Override
            public Planned plan(Tensor q, Tensor k, Tensor v, int b, float scale) {
                PisaPlanner.Planned planned = planner.plan(q, k, v, b, scale);
                return new Planned(planned.plan(), planned.summaries());
            }

            @Override
            public double nominalDensity() {
                return nominal;
            }
        });
    }

    /**
     * The plan of seeded N(0,1) queries and keys for this shape (batch element 0). PISA's real plan depends on
     * the inputs of each call; random inputs are representative of its cost — the exact-tile count per query
     * block is fixed, only which blocks are chosen changes.
     */
    public BlockSparsePlan plan(AttentionShape shape) {
        int heads = shape.heads();
        int seqLen = shape.seqLen();
        int headDim = shape.headDim();
        try (Tensor q = Tensor.randomNormal(PLAN_SEED, 1f, 1, heads, seqLen, headDim);
             Tensor k = Tensor.randomNormal(PLAN_SEED + 1, 1f, 1, heads, seqLen, headDim);
             Tensor v = Tensor.randomNormal(PLAN_SEED + 2, 1f, 1, heads, seqLen, headDim)) {
            return new PisaPlanner(spec).plan(q, k, v, 0, AttentionContext.standalone().scaleFor(headDim)).plan();
        }
    }

    /**
     * Cost of the representative plan: exact tiles plus one summary key per (query, approximated block). The
     * pre-pass (O(T·D²) per head) is not counted.
     */
    public CostEstimate cost(AttentionShape shape) {
        return CostEstimate.of(shape, plan(shape));
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return new Session(shape, spec);
    }

    /**
     * One forward at a time (the executor reuses its buffers). Reports its phases: the per-call pre-pass and block
     * choice, the exact tiles, the summary keys, and the rest (batch slicing).
     */
    private static final class Session extends AbstractAttentionSession implements PhaseTimes {
        private final PisaPlanner planner;
        private final BlockSparseExecutor executor;
        /** The box order of the blocks, or null; read through by the planner and the executor. */
        private final RowPermutation tiled;
        private volatile double executedDensity;
        private volatile Map<String, Long> phases = Map.of();
        private long prePassNanos, executeNanos, summaryNanos;

        Session(AttentionShape shape, PisaSpec spec) {
            super(shape);
            this.planner = new PisaPlanner(spec);
            this.executor = new BlockSparseExecutor(shape.headDim());
            this.tiled = RowPermutation.ofOrder(spec.order(shape.layout()));
            int blocks = spec.blocks(shape.seqLen());
            // Before the first call: the nominal fraction of blocks (exact after the first forward).
            this.executedDensity = spec.topK(blocks) / (double) blocks;
        }

        @Override
        protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
            prePassNanos = executeNanos = summaryNanos = 0;
            long t0 = System.nanoTime();
            run(q, k, v, ctx, out, lse);
            long total = System.nanoTime() - t0;
            Map<String, Long> p = new LinkedHashMap<>();
            p.put("pre-pass", prePassNanos);
            p.put("exact tiles", executeNanos - summaryNanos);
            p.put("summary keys", summaryNanos);
            p.put("other", total - prePassNanos - executeNanos);
            phases = p;
        }

        @Override
        public Map<String, Long> lastPhaseNanos() {
            return phases;
        }

        private void run(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
            float scale = ctx.scaleFor(shape().headDim());
            int batch = q.batch();
            double density = 0;
            for (int b = 0; b < batch; b++) {
                long t0 = System.nanoTime();
                PisaPlanner.Planned planned = planner.plan(q, k, v, tiled, b, scale);
                long t1 = System.nanoTime();
                prePassNanos += t1 - t0;
                TileSummaries[] summaries = planned.summaries();
                if (batch == 1) {
                    executor.execute(planned.plan(), q, tiled, k, v, tiled, scale, out, lse,
                            summaries == null ? null : (bb, h, keys, values) -> summaries[h], planner.headRows());
                } else {
                    // The plan covers one batch element's heads: run the executor on views of element b.
                    try (Tensor qb = slice(q, b); Tensor kb = slice(k, b); Tensor vb = slice(v, b);
                         Tensor ob = slice(out, b); Tensor lb = lse == null ? null : slice(lse, b)) {
                        executor.execute(planned.plan(), qb, tiled, kb, vb, tiled, scale, ob, lb,
                                summaries == null ? null : (bb, h, keys, values) -> summaries[h], planner.headRows());
                    }
                }
                executeNanos += System.nanoTime() - t1;
                summaryNanos += executor.summaryThreadNanos() / Math.max(1, Parallel.threads());
                density += planned.plan().executedDensity();
            }
            executedDensity = density / batch;
        }

        /** Exact fraction of (query, key) pairs of the last forward (averaged over batch and heads). */
        @Override
        public double executedDensity() {
            return executedDensity;
        }

        private static Tensor slice(Tensor t, int b) {
            long floats = (long) t.heads() * t.seqLen() * t.headDim();
            MemorySegment part = t.segment().asSlice(b * floats * Float.BYTES, floats * Float.BYTES);
            return Tensor.wrap(part, 1, t.heads(), t.seqLen(), t.headDim());
        }
    }
}
