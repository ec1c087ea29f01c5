package io.tilewise.attention.tornado;

import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One TornadoVM task graph and its execution plan for one shape (and one plan), built once and run per call, so
 * kernels are compiled once ({@code withPreCompilation}) and never per call.
 *
 * <pre>
 *   host q,k,v ──(every call)──▶ [gather k,v by keyOrder] ─┐
 *                                [gather q by queryOrder] ─┼─▶ attend (dense | plan; loop | tiled) ─▶ out', lse'
 *   dims, orders, static plan ──(first call only)──────────┘                                             │
 *   per-call plan + summaries ──(every call, PISA)──▶ attend        [gather out', lse' by outOrder] ◀────┘
 *   out ──(every call)──▶ host;   lse ──(only when asked: under demand)──▶ host
 * </pre>
 *
 * Intermediates (permuted q/k/v/out/lse) never leave the device. Work grids: the loop kernels use TornadoVM's
 * default one work item per row; the tiled kernels run {@code GROUPS_PER_HEAD × batch·heads} groups of
 * {@link TiledKernels#ROWS}.
 *
 * <p>Host arrays q, k, v, out, lse are staging copies of the caller's tensors ({@link #run}); one run at a time.
 */
final class AttentionGraph implements AutoCloseable {

    /** Which kernel family computes attention. */
    enum Variant { LOOP, TILED }

    private static final AtomicLong IDS = new AtomicLong();

    private final int batchHeads;
    private final int seqLen;
    private final int headDim;
    private final FloatArray q;
    private final FloatArray k;
    private final FloatArray v;
    private final FloatArray out;
    private final FloatArray lse;
    private final FloatArray params = new FloatArray(1);
    private final DevicePlan plan;
    private final DeviceSummaries summaries;
    private final boolean perCallPlan;
    private final boolean approximates;
    private final TornadoExecutionPlan execution;
    private final long staticBytes;
    private long hostToDevice;
    private long deviceToHost;
    private long transferNanos;
    private boolean firstRun = true;
    private boolean closed;

    private AttentionGraph(Builder b) {
        this.batchHeads = b.batchHeads;
        this.seqLen = b.seqLen;
        this.headDim = b.headDim;
        int elements = Math.multiplyExact(Math.multiplyExact(batchHeads, seqLen), headDim);
        q = new FloatArray(elements);
        k = new FloatArray(elements);
        v = new FloatArray(elements);
        out = new FloatArray(elements);
        lse = new FloatArray(batchHeads * seqLen);
        plan = b.plan == null ? null : DevicePlan.of(b.plan);
        summaries = b.summaries == null ? DeviceSummaries.none() : b.summaries;
        perCallPlan = b.perCallPlan;
        approximates = b.plan != null && b.plan.hasApproximation();
        if (approximates && b.summaries == null) throw new IllegalArgumentException("a plan with approximated tiles needs tile summaries");

        String name = "tilewise" + IDS.incrementAndGet();
        IntArray dims = b.plan == null ? Dims.of(batchHeads, b.heads, seqLen, headDim)
                : Dims.of(batchHeads, b.heads, seqLen, headDim, b.plan, b.plan.hasApproximation(), summaries.hasFirstOrder);
        List<Object> once = new ArrayList<>(List.of(dims));
        List<Object> everyCall = new ArrayList<>(List.of(q, k, v, params));
        TaskGraph g = new TaskGraph(name);

        FloatArray qIn = q, kIn = k, vIn = v, outOut = out, lseOut = lse;
        if (b.keyOrder != null) {
            IntArray map = map(b.keyOrder);
            IntArray mapDims = Dims.permutation(batchHeads, b.heads, seqLen, headDim, b.mapHeads);
            once.add(map);
            once.add(mapDims);
            kIn = new FloatArray(elements);
            vIn = new FloatArray(elements);
            g.task(TaskNames.GATHER_K, AttentionKernels::gatherRows, k, kIn, map, mapDims, headDim);
            g.task(TaskNames.GATHER_V, AttentionKernels::gatherRows, v, vIn, map, mapDims, headDim);
        }
        IntArray outMap = null;
        IntArray outDims = null;
        if (b.queryOrder != null) {
            IntArray map = map(b.queryOrder);
            outMap = map(b.outOrder);
            outDims = Dims.permutation(batchHeads, b.heads, seqLen, headDim, b.mapHeads);
            once.add(map);
            once.add(outMap);
            once.add(outDims);
            qIn = new FloatArray(elements);
            outOut = new FloatArray(elements);
            lseOut = new FloatArray(batchHeads * seqLen);
            g.task(TaskNames.GATHER_Q, AttentionKernels::gatherRows, q, qIn, map, outDims, headDim);
        }
        if (plan != null) {
            (perCallPlan ? everyCall : once).addAll(List.of(plan.arrays()));
            (perCallPlan && approximates ? everyCall : once).addAll(List.of(summaries.arrays()));
        }
        g.transferToDevice(DataTransferMode.FIRST_EXECUTION, once.toArray());
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, everyCall.toArray());

        GridScheduler grid = null;
        KernelContext context = new KernelContext();
        if (plan == null && b.variant == Variant.LOOP) {
            g.task(TaskNames.ATTEND, AttentionKernels::dense, qIn, kIn, vIn, outOut, lseOut, dims, params);
        } else if (plan == null) {
            g.task(TaskNames.ATTEND, TiledKernels::dense, context, qIn, kIn, vIn, outOut, lseOut, dims, params);
        } else if (b.variant == Variant.LOOP) {
            g.task(TaskNames.ATTEND, AttentionKernels::plan, qIn, kIn, vIn, outOut, lseOut, dims, params,
                    plan.exactStart, plan.exactTile, plan.maskIndex, plan.maskBits, plan.approxStart, plan.approxTile,
                    summaries.keyMeans, summaries.valueMeans, summaries.logCounts, summaries.firstOrder);
        } else {
            g.task(TaskNames.ATTEND, TiledKernels::plan, context, qIn, kIn, vIn, outOut, lseOut, dims, params,
                    plan.exactStart, plan.exactTile, plan.maskIndex, plan.maskBits, plan.approxStart, plan.approxTile,
                    summaries.keyMeans, summaries.valueMeans, summaries.logCounts, summaries.firstOrder);
        }
        if (b.variant == Variant.TILED) {
            WorkerGrid1D worker = new WorkerGrid1D(batchHeads * dims.get(Dims.GROUPS_PER_HEAD) * TiledKernels.ROWS);
            worker.setLocalWork(TiledKernels.ROWS, 1, 1);
            grid = new GridScheduler(TaskNames.qualified(name, TaskNames.ATTEND), worker);
        }
        if (b.queryOrder != null) {
            g.task(TaskNames.SCATTER_OUT, AttentionKernels::gatherRows, outOut, out, outMap, outDims, headDim);
            g.task(TaskNames.SCATTER_LSE, AttentionKernels::gatherRows, lseOut, lse, outMap, outDims, 1);
        }
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        g.transferToHost(DataTransferMode.UNDER_DEMAND, lse);

        long bytes = 0;
        for (Object o : once) bytes += bytesOf(o);
        staticBytes = bytes;
        TornadoExecutionPlan built = new TornadoExecutionPlan(g.snapshot());
        if (b.device != null) built = built.withDevice(b.device);
        if (grid != null) built = built.withGridScheduler(grid);
        execution = built.withProfiler(ProfilerMode.SILENT).withPreCompilation();
    }

    static Builder builder(int batchHeads, int heads, int seqLen, int headDim) {
        return new Builder(batchHeads, heads, seqLen, headDim);
    }

    /** Loads a per-call plan (same entry counts as the one the graph was built with). */
    void loadPlan(BlockSparsePlan next) {
        if (!perCallPlan) throw new IllegalStateException("this graph was built for a fixed plan");
        plan.load(next);
    }

    DeviceSummaries summaries() {
        return summaries;
    }

    boolean fits(BlockSparsePlan next) {
        return plan != null && plan.fits(next);
    }

    /**
     * Runs on the inputs of (batch, head) pairs {@code [firstHead, firstHead + batchHeads)} of the tensors: copies
     * q, k, v in, executes, copies out (and lse when not null) back.
     */
    void run(Tensor qs, Tensor ks, Tensor vs, float scale, Tensor outs, Tensor lses, int firstHead) {
        long rowFloats = (long) seqLen * headDim;
        long offset = firstHead * rowFloats * Float.BYTES;
        long bytes = batchHeads * rowFloats * Float.BYTES;
        MemorySegment.copy(qs.segment(), offset, q.getSegment(), 0, bytes);
        MemorySegment.copy(ks.segment(), offset, k.getSegment(), 0, bytes);
        MemorySegment.copy(vs.segment(), offset, v.getSegment(), 0, bytes);
        params.set(0, scale);
        TornadoExecutionResult result = execution.execute();
        hostToDevice += 3 * bytes + Float.BYTES;
        if (firstRun) hostToDevice += staticBytes;
        if (perCallPlan) hostToDevice += plan.bytes() + (approximates ? summaries.bytes() : 0);
        firstRun = false;
        deviceToHost += bytes;
        if (lses != null) {
            result.transferToHost(lse);
            deviceToHost += (long) batchHeads * seqLen * Float.BYTES;
        }
        transferNanos += copyNanos(result);
        MemorySegment.copy(out.getSegment(), 0, outs.segment(), offset, bytes);
        if (lses != null) {
            MemorySegment.copy(lse.getSegment(), 0, lses.segment(), (long) firstHead * seqLen * Float.BYTES,
                    (long) batchHeads * seqLen * Float.BYTES);
        }
    }

    long hostToDeviceBytes() {
        return hostToDevice;
    }

    long deviceToHostBytes() {
        return deviceToHost;
    }

    long transferNanos() {
        return transferNanos;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            execution.freeDeviceMemory();
            execution.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("TornadoVM could not release the execution plan: " + e.getMessage(), e);
        }
    }

    private static long copyNanos(TornadoExecutionResult result) {
        try {
            var profile = result.getProfilerResult();
            return profile == null ? 0 : Math.max(0, profile.getDeviceWriteTime()) + Math.max(0, profile.getDeviceReadTime());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private static IntArray map(int[] values) {
        return IntArray.fromArray(values);
    }

    private static long bytesOf(Object o) {
        if (o instanceof FloatArray f) return f.getNumBytesOfSegment();
        if (o instanceof IntArray i) return i.getNumBytesOfSegment();
        if (o instanceof uk.ac.manchester.tornado.api.types.arrays.LongArray l) return l.getNumBytesOfSegment();
        return 0;
    }

    /** What the graph computes; every field but the shape is optional. */
    static final class Builder {
        private final int batchHeads;
        private final int heads;
        private final int seqLen;
        private final int headDim;
        private Variant variant = Variant.TILED;
        private BlockSparsePlan plan;
        private boolean perCallPlan;
        private DeviceSummaries summaries;
        private int[] queryOrder;
        private int[] outOrder;
        private int[] keyOrder;
        private int mapHeads = 1;
        private TornadoDevice device;

        private Builder(int batchHeads, int heads, int seqLen, int headDim) {
            this.batchHeads = batchHeads;
            this.heads = heads;
            this.seqLen = seqLen;
            this.headDim = headDim;
        }

        Builder variant(Variant value) {
            this.variant = value;
            return this;
        }

        Builder device(TornadoDevice value) {
            this.device = value;
            return this;
        }

        /** A fixed plan, uploaded on the first run only. */
        Builder plan(BlockSparsePlan value) {
            this.plan = value;
            return this;
        }

        /** A plan (and summaries) replaced before every run with {@link #loadPlan}; uploaded every run. */
        Builder perCallPlan(BlockSparsePlan first, DeviceSummaries perCallSummaries) {
            this.plan = first;
            this.perCallPlan = true;
            this.summaries = perCallSummaries;
            return this;
        }

        /**
         * Row orders: the graph attends {@code q[queryOrder]} to {@code k[keyOrder]}, {@code v[keyOrder]} (each
         * {@code mapHeads × seqLen}, {@code map[p]} = source row of row p), and writes output row p back through
         * {@code outOrder} (the inverse of {@code queryOrder}). Null orders are the identity.
         */
        Builder orders(int[] queryOrder, int[] outOrder, int[] keyOrder, int mapHeads) {
            if ((queryOrder == null) != (outOrder == null)) throw new IllegalArgumentException("query order needs its inverse");
            this.queryOrder = queryOrder;
            this.outOrder = outOrder;
            this.keyOrder = keyOrder;
            this.mapHeads = mapHeads;
            return this;
        }

        AttentionGraph build() {
            return new AttentionGraph(this);
        }
    }
}
