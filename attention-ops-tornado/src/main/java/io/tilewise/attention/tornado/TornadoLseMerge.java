package io.tilewise.attention.tornado;

import io.tilewise.attention.tensor.Tensor;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The LSE merge of two partial attentions on the device ({@link AttentionKernels#lseMerge}; same result as the
 * CPU {@code LseMerge.mergeInto}), for one tensor shape: the task graph is built and compiled once.
 *
 * <pre>
 *   outA, lseA, outB, lseB ──▶ merge ──▶ outA, lseA
 * </pre>
 */
public final class TornadoLseMerge implements AutoCloseable {

    private static final AtomicLong IDS = new AtomicLong();

    private final int rows;
    private final int headDim;
    private final FloatArray outA;
    private final FloatArray lseA;
    private final FloatArray outB;
    private final FloatArray lseB;
    private final TornadoExecutionPlan execution;
    private boolean closed;

    /** For tensors of {@code rows = batch·heads·seqLen} rows of {@code headDim}. */
    public TornadoLseMerge(int rows, int headDim) {
        this.rows = rows;
        this.headDim = headDim;
        outA = new FloatArray(rows * headDim);
        outB = new FloatArray(rows * headDim);
        lseA = new FloatArray(rows);
        lseB = new FloatArray(rows);
        IntArray dims = IntArray.fromElements(new int[Dims.SIZE]);
        dims.set(Dims.HEAD_DIM, headDim);
        dims.set(Dims.ROWS, rows);
        TaskGraph g = new TaskGraph("tilewiseMerge" + IDS.incrementAndGet())
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, dims)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, outA, lseA, outB, lseB)
                .task(TaskNames.MERGE, AttentionKernels::lseMerge, outA, lseA, outB, lseB, dims)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, outA, lseA);
        execution = new TornadoExecutionPlan(g.snapshot()).withDevice(TornadoDevices.selected()).withPreCompilation();
    }

    /** Folds part B into part A in place, like {@code LseMerge.mergeInto}. */
    public void mergeInto(Tensor a, Tensor lseOfA, Tensor b, Tensor lseOfB) {
        if (closed) throw new IllegalStateException("merge is closed");
        a.requireSameShape(b, "outB");
        lseOfA.requireSameShape(lseOfB, "lseB");
        if (a.elementCount() != (long) rows * headDim || lseOfA.elementCount() != rows) {
            throw new IllegalArgumentException("merge was built for " + rows + " rows of " + headDim + ", got " + a.shapeString());
        }
        long bytes = (long) rows * headDim * Float.BYTES;
        MemorySegment.copy(a.segment(), 0, outA.getSegment(), 0, bytes);
        MemorySegment.copy(b.segment(), 0, outB.getSegment(), 0, bytes);
        MemorySegment.copy(lseOfA.segment(), 0, lseA.getSegment(), 0, (long) rows * Float.BYTES);
        MemorySegment.copy(lseOfB.segment(), 0, lseB.getSegment(), 0, (long) rows * Float.BYTES);
        execution.execute();
        MemorySegment.copy(outA.getSegment(), 0, a.segment(), 0, bytes);
        MemorySegment.copy(lseA.getSegment(), 0, lseOfA.segment(), 0, (long) rows * Float.BYTES);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            execution.freeDeviceMemory();
            execution.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("TornadoVM could not release the merge plan: " + e.getMessage(), e);
        }
    }
}
