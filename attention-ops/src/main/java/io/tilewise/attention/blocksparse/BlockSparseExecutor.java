package io.tilewise.attention.blocksparse;

import io.tilewise.attention.cpu.FlashTile;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.RowPermutation;
import io.tilewise.attention.tensor.Tensor;

import java.util.concurrent.atomic.LongAdder;

/**
 * Runs any {@link BlockSparsePlan} on the CPU: flash attention over the plan's exact key tiles (with token masks
 * where a tile is partly covered), plus summary keys for approximated tiles, in one online softmax per query row.
 * Dense attention is this executor with every tile on.
 *
 * <p>Work is split into (head, query tile) items over all cores. Keys and values of a group of heads are copied
 * once per call into heap arrays (measured faster than reading the off-heap segment in the inner loops).
 *
 * <p>One forward at a time per executor: it reuses its buffers.
 */
public final class BlockSparseExecutor {

    /** Heads whose K and V are buffered at once; bounds the heap used for very long sequences. */
    private static final long BUFFER_FLOATS = 16L << 20;
    /**
     * Most query sub-tiles (of FlashTile.ROWS rows) that share each pass over a key chunk: a whole query tile of up
     * to 512 rows. Their state (~40 KB each at headDim 64) still fits L2, and each chunk of K and V is then fetched
     * from L3 once per 512 query rows (dense at seqLen 16384 measured ~5 % faster than with 128).
     */
    private static final int GROUP = 16;

    private final int headDim;
    private final ThreadLocal<Worker> workers;
    private float[][] keys = new float[0][];
    private float[][] values = new float[0][];
    private TileSummaries[] summaries = new TileSummaries[0];
    /** Thread-nanoseconds spent on summary keys in the last execute, over all workers (for phase reports). */
    private final LongAdder summaryNanos = new LongAdder();

    public BlockSparseExecutor(int headDim) {
        this.headDim = headDim;
        this.workers = ThreadLocal.withInitial(() -> new Worker(headDim));
    }

    /**
     * Computes {@code out} (and {@code lse}, if not null) for all batches and heads under {@code plan}.
     *
     * @param approximation source of tile summaries; required when the plan approximates tiles, else ignored
     */
    public void execute(BlockSparsePlan plan, Tensor q, Tensor k, Tensor v, float scale, Tensor out, Tensor lse,
                        TileSummaries.Source approximation) {
        execute(plan, q, null, k, v, null, scale, out, lse, approximation);
    }

    /**
     * As {@link #execute(BlockSparsePlan, Tensor, Tensor, Tensor, float, Tensor, Tensor, TileSummaries.Source)} on
     * the plan's token orders: row {@code p} of the plan's queries is row {@code queryOrder.sourceRow(p)} of q and
     * of out (and lse), key {@code p} is row {@code keyOrder.sourceRow(p)} of k and v (null: the layout order).
     * The permutations ride on the copies the executor makes anyway (K and V per head, q and out per tile), so no
     * permuted tensor is written; summaries and first-order rows are in the plan's order.
     */
    public void execute(BlockSparsePlan plan, Tensor q, RowPermutation queryOrder, Tensor k, Tensor v,
                        RowPermutation keyOrder, float scale, Tensor out, Tensor lse, TileSummaries.Source approximation) {
        execute(plan, q, queryOrder, k, v, keyOrder, scale, out, lse, approximation, null);
    }

    /**
     * Keys and values of a head already laid out as the executor would copy them (the plan's key order,
     * row-major {@code seqLen × headDim}), e.g. the copies a planner made for its pre-pass: the executor reads
     * them instead of gathering k and v a second time. Null arrays mean "copy as usual".
     */
    public interface HeadRows {
        float[] keys(int b, int h);

        float[] values(int b, int h);

        /** Queries of the head in the plan's query order, or null to gather them from q as usual. */
        default float[] queries(int b, int h) {
            return null;
        }
    }

    /**
     * As {@link #execute(BlockSparsePlan, Tensor, RowPermutation, Tensor, Tensor, RowPermutation, float, Tensor,
     * Tensor, TileSummaries.Source)}, reading q, k and v of a head from {@code given} where it has them (must equal
     * what the executor would copy from q, k and v through {@code queryOrder} and {@code keyOrder}; not modified).
     */
    public void execute(BlockSparsePlan plan, Tensor q, RowPermutation queryOrder, Tensor k, Tensor v,
                        RowPermutation keyOrder, float scale, Tensor out, Tensor lse, TileSummaries.Source approximation,
                        HeadRows given) {
        check(plan, q, k, v, out, lse);
        for (RowPermutation order : new RowPermutation[] {queryOrder, keyOrder}) {
            if (order != null && order.seqLen() != q.seqLen()) {
                throw new IllegalArgumentException("token order of " + order.seqLen() + " rows, q has " + q.seqLen());
            }
        }
        if (plan.hasApproximation() && approximation == null) {
            throw new IllegalArgumentException("plan approximates key tiles but no tile summaries were given");
        }
        summaryNanos.reset();
        int batch = q.batch();
        int heads = q.heads();
        int seqLen = q.seqLen();
        int group = (int) Math.max(1, Math.min((long) batch * heads, BUFFER_FLOATS / ((long) seqLen * headDim)));
        ensureBuffers(group, seqLen);
        for (int first = 0; first < batch * heads; first += group) {
            int count = Math.min(group, batch * heads - first);
            int base = first;
            float[][] headKeys = new float[count][];
            float[][] headValues = new float[count][];
            Parallel.forEach(count, i -> {
                int b = (base + i) / heads;
                int h = (base + i) % heads;
                float[] givenKeys = given == null ? null : given.keys(b, h);
                float[] givenValues = given == null ? null : given.values(b, h);
                if (givenKeys != null && givenValues != null) {
                    requireRows(givenKeys, seqLen, "keys");
                    requireRows(givenValues, seqLen, "values");
                    headKeys[i] = givenKeys;
                    headValues[i] = givenValues;
                } else {
                    if (keyOrder == null) {
                        k.copyHeadTo(b, h, keys[i], 0);
                        v.copyHeadTo(b, h, values[i], 0);
                    } else {
                        keyOrder.gatherHead(k, b, h, keys[i], 0);
                        keyOrder.gatherHead(v, b, h, values[i], 0);
                    }
                    headKeys[i] = keys[i];
                    headValues[i] = values[i];
                }
                summaries[i] = plan.hasApproximation() ? approximation.forHead(b, h, headKeys[i], headValues[i]) : null;
            });
            int qTiles = plan.qTiles();
            float[][] headQueries = new float[count][];
            for (int i = 0; i < count && given != null; i++) {
                headQueries[i] = given.queries((base + i) / heads, (base + i) % heads);
                if (headQueries[i] != null) requireRows(headQueries[i], seqLen, "queries");
            }
            Parallel.forEach(count * qTiles, item -> {
                int i = item / qTiles;
                int b = (base + i) / heads;
                int h = (base + i) % heads;
                runRow(plan, plan.row(h, item % qTiles), item % qTiles, q, queryOrder, headQueries[i], b, h, headKeys[i],
                        headValues[i], summaries[i], scale, out, lse);
            });
        }
    }

    private void runRow(BlockSparsePlan plan, int row, int queryTile, Tensor q, RowPermutation order, float[] queryRows,
                        int b, int h,
                        float[] keyRows, float[] valueRows, TileSummaries approx, float scale, Tensor out, Tensor lse) {
        Worker worker = workers.get();
        int seqLen = plan.seqLen();
        int tileStart = queryTile * plan.qTile();
        int tileEnd = Math.min(tileStart + plan.qTile(), seqLen);
        for (int g0 = tileStart; g0 < tileEnd; g0 += GROUP * FlashTile.ROWS) {
            int groupEnd = Math.min(g0 + GROUP * FlashTile.ROWS, tileEnd);
            int subTiles = (groupEnd - g0 + FlashTile.ROWS - 1) / FlashTile.ROWS;
            for (int s = 0; s < subTiles; s++) {
                int r0 = g0 + s * FlashTile.ROWS;
                FlashTile tile = worker.tiles[s];
                int rows = Math.min(FlashTile.ROWS, groupEnd - r0);
                if (queryRows != null) System.arraycopy(queryRows, r0 * headDim, tile.staging(), 0, rows * headDim);
                else if (order == null) q.copyRowsTo(b, h, r0, rows, tile.staging(), 0);
                else order.gatherRows(q, b, h, r0, rows, tile.staging(), 0);
                tile.load(rows, scale);
            }
            for (int e = plan.exactStart(row); e < plan.exactEnd(row); e++) {
                int keyStart = plan.exactTile(e) * plan.kTile();
                int keyEnd = Math.min(keyStart + plan.kTile(), seqLen);
                int m = plan.maskIndex(e);
                for (int c = keyStart; c < keyEnd; c += worker.chunk) {
                    int n = Math.min(worker.chunk, keyEnd - c);
                    // Sub-tiles inner: the chunk's keys and values are read from memory once per group, then
                    // served from cache (dense at seqLen 16384 streams 8 MB of K/V per head otherwise).
                    for (int s = 0; s < subTiles; s++) {
                        FlashTile tile = worker.tiles[s];
                        tile.scores(keyRows, c, n);
                        if (m >= 0) {
                            tile.mask(plan.maskBits(), plan.maskOffset(m) + (c - keyStart) * plan.wordsPerColumn(),
                                    plan.wordsPerColumn(), g0 + s * FlashTile.ROWS - tileStart, n);
                        }
                        tile.softmax(n, false);
                        tile.accumulate(valueRows, c, n);
                    }
                }
            }
            if (approx != null && plan.approxEnd(row) > plan.approxStart(row)) {
                long t0 = System.nanoTime();
                approximate(plan, row, worker, subTiles, approx);
                summaryNanos.add(System.nanoTime() - t0);
            }
            for (int s = 0; s < subTiles; s++) {
                int r0 = g0 + s * FlashTile.ROWS;
                int rows = Math.min(FlashTile.ROWS, groupEnd - r0);
                FlashTile tile = worker.tiles[s];
                tile.finish(rows, approx == null ? null : approx.firstOrder(), r0, worker.lseRows, 0);
                if (order == null) out.copyRowsFrom(b, h, r0, rows, tile.staging(), 0);
                else order.scatterRows(tile.staging(), 0, out, b, h, r0, rows);
                if (lse != null) {
                    for (int r = 0; r < rows; r++) {
                        lse.set(b, h, order == null ? r0 + r : order.sourceRow(r0 + r), 0, worker.lseRows[r]);
                    }
                }
            }
        }
    }

    /**
     * Nanoseconds the last {@link #execute} spent on summary keys, summed over its worker threads (divide by the
     * thread count for a share of the wall time).
     */
    public long summaryThreadNanos() {
        return summaryNanos.sum();
    }

    /** Summary keys of the approximated tiles, gathered in chunks and run through the same online softmax. */
    private void approximate(BlockSparsePlan plan, int row, Worker worker, int subTiles, TileSummaries approx) {
        float[] keyMeans = worker.keyMeans;
        float[] valueMeans = worker.valueMeans;
        float[] bias = worker.bias;
        int start = plan.approxStart(row);
        int end = plan.approxEnd(row);
        for (int c = start; c < end; c += FlashTile.CHUNK) {
            int n = Math.min(FlashTile.CHUNK, end - c);
            for (int j = 0; j < n; j++) {
                int kt = plan.approxTile(c + j);
                System.arraycopy(approx.keyMeans(), kt * headDim, keyMeans, j * headDim, headDim);
                System.arraycopy(approx.valueMeans(), kt * headDim, valueMeans, j * headDim, headDim);
                bias[j] = approx.logCounts()[kt];
            }
            for (int s = 0; s < subTiles; s++) {
                FlashTile tile = worker.tiles[s];
                tile.scores(keyMeans, 0, n);
                tile.addBias(bias, n);
                tile.softmax(n, true);
                tile.accumulate(valueMeans, 0, n);
            }
        }
    }

    /** Per-thread state: a group of flash tiles and the gather buffers of summary keys, reused across calls. */
    private static final class Worker {
        final FlashTile[] tiles = new FlashTile[GROUP];
        final float[] keyMeans;
        final float[] valueMeans;
        final float[] bias = new float[FlashTile.CHUNK];
        final float[] lseRows = new float[FlashTile.ROWS];
        /** Keys per softmax round of exact tiles (the tiles' preferred chunk). */
        final int chunk;

        Worker(int headDim) {
            for (int i = 0; i < GROUP; i++) tiles[i] = new FlashTile(headDim);
            chunk = tiles[0].chunk();
            keyMeans = new float[FlashTile.CHUNK * headDim];
            valueMeans = new float[FlashTile.CHUNK * headDim];
        }
    }

    private void requireRows(float[] rows, int seqLen, String what) {
        if (rows.length < (long) seqLen * headDim) {
            throw new IllegalArgumentException("given " + what + " hold " + rows.length + " floats, a head needs "
                    + (long) seqLen * headDim);
        }
    }

    private void ensureBuffers(int group, int seqLen) {
        int size = seqLen * headDim;
        if (keys.length < group || (keys.length > 0 && keys[0].length != size)) {
            keys = new float[group][size];
            values = new float[group][size];
            summaries = new TileSummaries[group];
        }
    }

    private void check(BlockSparsePlan plan, Tensor q, Tensor k, Tensor v, Tensor out, Tensor lse) {
        q.requireSameShape(k, "k");
        q.requireSameShape(v, "v");
        q.requireSameShape(out, "out");
        if (q.headDim() != headDim) {
            throw new IllegalArgumentException("q has headDim " + q.headDim() + ", executor was built for " + headDim);
        }
        if (q.seqLen() != plan.seqLen()) {
            throw new IllegalArgumentException("q has seqLen " + q.seqLen() + ", plan was built for " + plan.seqLen());
        }
        if (plan.planHeads() != 1 && plan.planHeads() != q.heads()) {
            throw new IllegalArgumentException("plan has " + plan.planHeads() + " heads, q has " + q.heads());
        }
        if (lse != null && (lse.batch() != q.batch() || lse.heads() != q.heads() || lse.seqLen() != q.seqLen()
                || lse.headDim() != 1)) {
            throw new IllegalArgumentException("lse has shape " + lse.shapeString() + ", expected [" + q.batch() + ", "
                    + q.heads() + ", " + q.seqLen() + ", 1]");
        }
    }
}
