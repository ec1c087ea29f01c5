package io.tilewise.attention.piecewise;

import io.tilewise.attention.blocksparse.BlockSparseExecutor;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.blocksparse.TileSummaries;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.RowPermutation;
import io.tilewise.attention.tensor.Tensor;

/**
 * Builds PISA's per-call work for one batch element: the pre-pass per head ({@link BlockStatistics}), the block
 * choice per query block ({@link PisaSelection}) and the executor plan — selected key blocks exact, every other
 * key block approximated (or skipped with {@code keep_or_drop}) — with the tile summaries the executor needs.
 * Query and key tiles of the plan are PISA blocks. One plan at a time per planner: it reuses its row buffers, so a
 * plan's first-order rows (in its summaries) are valid until the next {@code plan} call.
 */
public final class PisaPlanner {

    /** Rows of the first-order term computed per work item. */
    private static final int FIRST_ORDER_ROWS = 512;

    private final PisaSpec spec;
    /** Per-head row copies of q, k, v, kept across calls of one shape (one call at a time per planner). */
    private float[][] qRows = new float[0][], kRows = new float[0][], vRows = new float[0][], firstOrderRows = new float[0][];

    public PisaPlanner(PisaSpec spec) {
        this.spec = spec;
    }

    /**
     * The plan of batch element {@code b} (one plan head per head) and, unless keep-or-drop, one
     * {@link TileSummaries} per head.
     */
    public record Planned(BlockSparsePlan plan, TileSummaries[] summaries) {
    }

    public Planned plan(Tensor q, Tensor k, Tensor v, int b, float scale) {
        return plan(q, k, v, null, b, scale);
    }

    /**
     * The plan in the token order {@code order} (row p of the plan is row {@code order.sourceRow(p)} of q, k, v;
     * null: the layout order), read through the order without writing permuted tensors.
     */
    public Planned plan(Tensor q, Tensor k, Tensor v, RowPermutation order, int b, float scale) {
        int heads = q.heads();
        int seqLen = q.seqLen();
        int headDim = q.headDim();
        boolean approximate = !spec.keepOrDrop();
        boolean firstOrder = approximate && spec.firstOrder();
        int blocks = spec.blocks(seqLen);
        int topK = spec.topK(blocks);
        BlockStatistics[] stats = new BlockStatistics[heads];
        int[][][] chosen = new int[heads][][];
        float[][] queries = new float[heads][];
        ensureRows(heads, seqLen * headDim);
        Parallel.forEach(heads, h -> {
            float[] qh = qRows[h];
            float[] kh = kRows[h];
            float[] vh = vRows[h];
            if (order == null) {
                q.copyHeadTo(b, h, qh, 0);
                k.copyHeadTo(b, h, kh, 0);
                v.copyHeadTo(b, h, vh, 0);
            } else {
                order.gatherHead(q, b, h, qh, 0);
                order.gatherHead(k, b, h, kh, 0);
                order.gatherHead(v, b, h, vh, 0);
            }
            BlockStatistics s = BlockStatistics.of(qh, kh, vh, seqLen, headDim, spec.block(), spec.bias(), firstOrder);
            double[] scores = s.scores(scale, spec.bias());
            double[] scratch = new double[blocks];
            int[][] rows = new int[blocks][];
            for (int a = 0; a < blocks; a++) rows[a] = PisaSelection.select(scores, a * blocks, blocks, topK, scratch);
            stats[h] = s;
            chosen[h] = rows;
            queries[h] = qh;
        });
        BlockSparsePlan plan = buildPlan(seqLen, heads, blocks, chosen, approximate);
        if (!approximate) return new Planned(plan, null);
        if (firstOrder) {
            int chunks = (seqLen + FIRST_ORDER_ROWS - 1) / FIRST_ORDER_ROWS;
            Parallel.forEach(heads * chunks, item -> {
                int h = item / chunks;
                int from = (item % chunks) * FIRST_ORDER_ROWS;
                stats[h].firstOrder(queries[h], scale, from, Math.min(seqLen, from + FIRST_ORDER_ROWS), firstOrderRows[h]);
            });
        }
        TileSummaries[] summaries = new TileSummaries[heads];
        for (int h = 0; h < heads; h++) summaries[h] = stats[h].summaries(firstOrder ? firstOrderRows[h] : null);
        return new Planned(plan, summaries);
    }

    /**
     * Queries, keys and values of head {@code h} of the last plan, in its token order (row-major), as the pre-pass
     * read them; valid until the next {@code plan} call. The executor reads these instead of gathering q, k and v
     * again (PISA's query and key orders are the same).
     */
    BlockSparseExecutor.HeadRows headRows() {
        float[][] qs = qRows;
        float[][] k = kRows;
        float[][] v = vRows;
        return new BlockSparseExecutor.HeadRows() {
            @Override
            public float[] queries(int b, int h) {
                return qs[h];
            }

            @Override
            public float[] keys(int b, int h) {
                return k[h];
            }

            @Override
            public float[] values(int b, int h) {
                return v[h];
            }
        };
    }

    private void ensureRows(int heads, int floats) {
        if (qRows.length != heads || qRows[0].length != floats) {
            qRows = new float[heads][floats];
            kRows = new float[heads][floats];
            vRows = new float[heads][floats];
            // Every row is overwritten by each plan's first-order pass, so the buffers are never cleared.
            firstOrderRows = new float[heads][floats];
        }
    }

    private BlockSparsePlan buildPlan(int seqLen, int heads, int blocks, int[][][] chosen, boolean approximate) {
        BlockSparsePlan.Builder builder = BlockSparsePlan.builder(seqLen, spec.block(), spec.block(), heads);
        for (int h = 0; h < heads; h++) {
            for (int a = 0; a < blocks; a++) {
                int[] row = chosen[h][a];
                int next = 0;
                for (int j = 0; j < blocks; j++) {
                    if (next < row.length && row[next] == j) {
                        builder.addFull(h, a, j);
                        next++;
                    } else if (approximate) {
                        builder.addApprox(h, a, j);
                    }
                }
            }
        }
        return builder.build();
    }
}
