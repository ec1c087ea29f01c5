package io.tilewise.reorder;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ContextPlans;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PARO attention (docs/methods.md §4): per head, permute q, k, v into the head's axis order, run the head's static
 * block mask with the block-sparse executor (one plan row set per head), and permute the output and LSE back.
 * With {@code bits=8|4}, q and k are quantized per block before QKᵀ (see {@link BlockQuantizer}); PV stays fp32.
 *
 * <p>Two modes:
 * <ul>
 *   <li>{@code paro:plan=FILE}: orders and masks come from a calibrated plan file; the call's step and total
 *       steps select the timestep group, its layer the layer.</li>
 *   <li>{@code paro:density=F}: self-calibrating. q and k are only known at forward time, so the first forward
 *       of each (layer, CFG branch) calibrates on that call's own q and k ({@link ParoCalibrator}), and later calls
 *       of the same (layer, branch) reuse the orders and masks. This is operator-level calibration; a model-level
 *       plan over timestep groups comes from running the calibrator offline and writing a {@link ParoPlanFile}.</li>
 * </ul>
 */
public final class ParoKernel implements AttentionKernel {

    private final ParoSpec spec;
    private ParoPlan loaded;
    private RuntimeException loadFailure;

    public ParoKernel(ParoSpec spec) {
        this.spec = spec;
    }

    @Override
    public String id() {
        return "paro";
    }

    @Override
    public String spec() {
        return spec.canonical();
    }

    public ParoSpec paroSpec() {
        return spec;
    }

    @Override
    public Support supports(AttentionShape shape, Device device) {
        // A device runs PARO's plans as plain fp32 plans: the quantized QK has no device form.
        if (!device.host() && spec.bits() != 32) {
            return Support.no("paro: bits=" + spec.bits() + " (quantized QK) runs on the host CPU only, not on " + device.backend().id());
        }
        if (spec.calibrating()) return Support.yes();
        ParoPlan plan;
        try {
            plan = plan();
        } catch (ParoPlanException e) {
            return Support.no("paro: " + e.getMessage());
        }
        TokenLayout layout = shape.layout();
        if (!plan.layout().equals(layout)) {
            return Support.no("paro: plan " + spec.plan() + " was calibrated for layout " + ParoPlan.describe(plan.layout())
                    + ", the shape has layout " + ParoPlan.describe(layout));
        }
        if (plan.heads() != shape.heads()) {
            return Support.no("paro: plan " + spec.plan() + " has " + plan.heads() + " heads, the shape has " + shape.heads());
        }
        return Support.yes();
    }

    /** The loaded plan file (plan mode only); read and validated once. */
    public synchronized ParoPlan plan() {
        if (spec.calibrating()) throw new IllegalStateException("paro: " + spec.canonical() + " has no plan file");
        if (loaded == null && loadFailure == null) {
            try {
                loaded = ParoPlanFile.read(spec.plan(), spec.model(), null);
            } catch (ParoPlanException e) {
                loadFailure = e;
            }
        }
        if (loadFailure != null) throw loadFailure;
        return loaded;
    }

    /**
     * The executor plan of timestep group 0, layer 0, in each head's permuted order. In self-calibrating mode it is
     * calibrated on seeded random q/k (the real plan depends on the call's inputs).
     */
    public BlockSparsePlan plan(AttentionShape shape) {
        return representative(shape).plan();
    }

    /** {@link #plan(AttentionShape)} with each head's token order. */
    private TilePlan representative(AttentionShape shape) {
        Support support = supports(shape, Device.CPU);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        if (!spec.calibrating()) return ordered(plan(), 0, 0);
        int b = 1, h = shape.heads(), n = shape.seqLen(), d = shape.headDim();
        try (Tensor q = Tensor.randomNormal(1, 1.5f, b, h, n, d); Tensor k = Tensor.randomNormal(2, 1.5f, b, h, n, d)) {
            return ordered(calibrate(q, k, AttentionContext.standalone().scaleFor(d), shape.layout()), 0, 0);
        }
    }

    /** The {@link #plan(AttentionShape) representative plan} with each head's order (the plan of a call depends on it). */
    @Override
    public Optional<TilePlan> tilePlan(AttentionShape shape) {
        return Optional.of(representative(shape));
    }

    /**
     * Plans per (timestep group, layer) from the plan file, or per (layer, CFG branch) calibrated on the first call's
     * q and k; each head in its own token order.
     */
    @Override
    public Optional<ContextPlans> contextPlans(AttentionShape shape) {
        return Optional.of(new ContextPlans() {
            @Override
            public String key(AttentionContext ctx) {
                if (spec.calibrating()) return "layer " + ctx.layer() + "/" + ctx.branch();
                return "group " + ParoKernel.this.plan().groupOf(ctx.step(), ctx.totalSteps()) + " layer " + ctx.layer();
            }

            @Override
            public boolean fromInputs() {
                return spec.calibrating();
            }

            @Override
            public TilePlan plan(AttentionContext ctx, Tensor q, Tensor k, float scale) {
                if (spec.calibrating()) return ordered(calibrate(q, k, scale, shape.layout()), 0, 0);
                ParoPlan plan = ParoKernel.this.plan();
                if (ctx.layer() < 0 || ctx.layer() >= plan.layers()) {
                    throw new IllegalArgumentException("paro: layer " + ctx.layer() + " not in 0.." + (plan.layers() - 1)
                            + " of plan " + spec.plan());
                }
                return ordered(plan, plan.groupOf(ctx.step(), ctx.totalSteps()), ctx.layer());
            }
        });
    }

    /** One (group, layer) of a plan: its executor plan, each head's rows in that head's order. */
    private static TilePlan ordered(ParoPlan plan, int group, int layer) {
        TokenPermutation[] perms = plan.permutations(group, layer);
        int[][] orders = new int[perms.length][];
        for (int h = 0; h < perms.length; h++) orders[h] = perms[h].inverseMap();
        return TilePlan.perHead(plan.executorPlan(group, layer), orders, false);
    }

    /** Self-calibration of one layer: a plan of one group and one layer, calibrated on {@code q} and {@code k}. */
    public ParoPlan calibrate(Tensor q, Tensor k, float scale, TokenLayout layout) {
        ParoCalibrator.Options options = ParoCalibrator.Options.defaults().withBlockSize(spec.block()).withSampleEvery(spec.sample());
        List<ParoCalibrator.HeadCalibration> heads = ParoCalibrator.calibrate(q, k, scale, layout, options);
        ParoPlan.Builder builder = ParoPlan.builder("self-calibrated", layout, spec.block(), 1, 1, q.heads());
        ParoCalibrator.fill(builder, 0, 0, heads, layout, spec.block(), spec.density());
        return builder.build();
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        device.requireHost(id());
        Support support = supports(shape, device);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        return new Session(shape);
    }

    /** Orders and executor plan of one (group, layer) or (layer, branch). */
    private record Prepared(ParoPlan source, TokenPermutation[] permutations, BlockSparsePlan plan) {
        static Prepared of(ParoPlan source, int group, int layer) {
            return new Prepared(source, source.permutations(group, layer), source.executorPlan(group, layer));
        }
    }

    private final class Session extends AbstractAttentionSession {
        private final BlockSparseExecutor executor;
        private final Tensor qPermuted;
        private final Tensor kPermuted;
        private final Tensor vPermuted;
        private final Tensor outPermuted;
        private final Tensor lsePermuted;
        private final ThreadLocal<float[][]> buffers;
        private final Map<String, Prepared> prepared = new HashMap<>();
        private double lastDensity = Double.NaN;

        Session(AttentionShape shape) {
            super(shape);
            int b = shape.batch(), h = shape.heads(), n = shape.seqLen(), d = shape.headDim();
            this.executor = new BlockSparseExecutor(d);
            this.qPermuted = Tensor.allocate(b, h, n, d);
            this.kPermuted = Tensor.allocate(b, h, n, d);
            this.vPermuted = Tensor.allocate(b, h, n, d);
            this.outPermuted = Tensor.allocate(b, h, n, d);
            this.lsePermuted = Tensor.allocate(b, h, n, 1);
            this.buffers = ThreadLocal.withInitial(() -> new float[][] {new float[n * d], new float[n * d]});
            if (!spec.calibrating()) lastDensity = plan().executorPlan(0, 0).executedDensity();
        }

        @Override
        protected void compute(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
            float scale = ctx.scaleFor(shape().headDim());
            Prepared p = prepared(q, k, ctx, scale);
            permute(p.permutations(), q, qPermuted, spec.bits(), p.source().blockSize());
            permute(p.permutations(), k, kPermuted, spec.bits(), p.source().blockSize());
            permute(p.permutations(), v, vPermuted, 32, 0);
            executor.execute(p.plan(), qPermuted, kPermuted, vPermuted, scale, outPermuted, lse == null ? null : lsePermuted, null);
            unpermute(p.permutations(), outPermuted, out);
            if (lse != null) Permute.undo(p.permutations(), lsePermuted, lse);
            lastDensity = p.plan().executedDensity();
        }

        private Prepared prepared(Tensor q, Tensor k, AttentionContext ctx, float scale) {
            if (spec.calibrating()) {
                return prepared.computeIfAbsent("layer " + ctx.layer() + "/" + ctx.branch(),
                        key -> Prepared.of(calibrate(q, k, scale, shape().layout()), 0, 0));
            }
            ParoPlan plan = plan();
            if (ctx.layer() < 0 || ctx.layer() >= plan.layers()) {
                throw new IllegalArgumentException("paro: layer " + ctx.layer() + " not in 0.." + (plan.layers() - 1)
                        + " of plan " + spec.plan());
            }
            int group = plan.groupOf(ctx.step(), ctx.totalSteps());
            return prepared.computeIfAbsent("group " + group + " layer " + ctx.layer(), key -> Prepared.of(plan, group, ctx.layer()));
        }

        /** Rows of each head into its order; q and k optionally quantized per block in that order. */
        private void permute(TokenPermutation[] perms, Tensor src, Tensor dst, int bits, int blockRows) {
            moveRows(src, dst, (h, from, to) -> {
                perms[h].permuteRows(from, to, src.headDim());
                if (bits != 32) BlockQuantizer.roundTrip(to, src.seqLen(), src.headDim(), blockRows, bits);
            });
        }

        /** Output rows of each head back to the original order. */
        private void unpermute(TokenPermutation[] perms, Tensor src, Tensor dst) {
            moveRows(src, dst, (h, from, to) -> perms[h].unpermuteRows(from, to, src.headDim()));
        }

        /** Per (batch, head), in parallel: copy the head out, rearrange it into the second buffer, write it back. */
        private void moveRows(Tensor src, Tensor dst, HeadRows rearrange) {
            int heads = src.heads();
            Parallel.forEach(src.batch() * heads, bh -> {
                int b = bh / heads;
                int h = bh % heads;
                float[][] buf = buffers.get();
                src.copyHeadTo(b, h, buf[0], 0);
                rearrange.apply(h, buf[0], buf[1]);
                dst.copyRowsFrom(b, h, 0, src.seqLen(), buf[1], 0);
            });
        }

        /** Executed density of the last forward (plan mode: group 0 layer 0 before any; calibrating: NaN before any). */
        @Override
        public double executedDensity() {
            return lastDensity;
        }

        @Override
        protected void release() {
            qPermuted.close();
            kPermuted.close();
            vPermuted.close();
            outPermuted.close();
            lsePermuted.close();
            prepared.clear();
        }
    }

    /** Rearranges the rows of head {@code h} from one buffer into the other. */
    @FunctionalInterface
    private interface HeadRows {
        void apply(int head, float[] from, float[] to);
    }
}
