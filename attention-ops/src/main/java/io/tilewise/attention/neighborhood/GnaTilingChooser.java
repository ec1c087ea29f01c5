package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.cpu.Parallel;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Picks the tiling with the least work for a GNA mask (docs/methods.md §2.2). Box tilings are ranked first by a
 * per-axis simulator — the touched (query box, key box) pairs factorise over axes, so their work is a product of
 * three 1-D sums — and the best few, plus the layout order, are then built as real plans and compared by their
 * exact cost: executed pairs plus a fixed overhead per (query tile, key tile) visit.
 */
public final class GnaTilingChooser {

    /** Query tile sizes tried: the executor walks 32 query rows at a time, so finer tiles waste no rows. */
    static final int[] QUERY_TILES = {32, 64, 128};
    /** Key tile sizes tried. */
    static final int[] KEY_TILES = {32, 64, 128};
    /** Box tilings built for real after the simulator's ranking. */
    static final int FINALISTS = 3;
    /**
     * Overhead of one tile visit in key equivalents per query row (softmax rescale and chunk setup, about two
     * keys' worth of vector work at headDim 64); keeps the choice from fragmenting tiles for a few saved pairs.
     */
    static final double VISIT_OVERHEAD_KEYS = 2.0;

    private GnaTilingChooser() {
    }

    /** The cheapest plan over the candidate tilings (candidates are built in parallel). */
    public static GnaTiledPlan choose(GnaMask mask) {
        List<GnaTiling> finalists = new ArrayList<>();
        finalists.add(GnaTiling.layoutOrder(32, 128));
        finalists.addAll(rankBoxes(mask, FINALISTS));
        GnaTiledPlan[] plans = new GnaTiledPlan[finalists.size()];
        Parallel.forEach(plans.length, i -> plans[i] = GnaPlanner.build(mask, finalists.get(i)));
        GnaTiledPlan best = plans[0];
        for (GnaTiledPlan candidate : plans) {
            if (cost(candidate.plan()) < cost(best.plan())) best = candidate;
        }
        return best;
    }

    /** Work of a plan in (query, key) pair equivalents. */
    public static double cost(BlockSparsePlan plan) {
        double pairs = plan.executedDensity() * plan.seqLen() * (double) plan.seqLen();
        return pairs + VISIT_OVERHEAD_KEYS * plan.qTile() * (double) plan.exactEntries();
    }

    /** The {@code count} box tilings with the least simulated work (video pairs only). */
    static List<GnaTiling> rankBoxes(GnaMask mask, int count) {
        TokenGrid grid = mask.layout().grid();
        List<Ranked> ranked = new ArrayList<>();
        Map<Long, double[]> axisCache = new HashMap<>();
        for (int qTile : QUERY_TILES) {
            for (int[] qBox : boxes(grid, qTile)) {
                for (int kTile : KEY_TILES) {
                    for (int[] kBox : boxes(grid, kTile)) {
                        double pairs = 1;
                        double visits = 1;
                        for (int a = 0; a < 3; a++) {
                            int tq = qBox[a], tk = kBox[a], axisIndex = a;
                            double[] sums = axisCache.computeIfAbsent(((long) a << 40) | ((long) tq << 20) | tk,
                                    key -> simulateAxis(mask.axis(axisIndex), tq, tk));
                            pairs *= sums[0];
                            visits *= sums[1];
                        }
                        ranked.add(new Ranked(GnaTiling.boxes(qBox, kBox), pairs + VISIT_OVERHEAD_KEYS * qTile * visits));
                    }
                }
            }
        }
        ranked.sort(Comparator.comparingDouble(Ranked::cost));
        List<GnaTiling> best = new ArrayList<>();
        for (int i = 0; i < Math.min(count, ranked.size()); i++) best.add(ranked.get(i).tiling());
        return best;
    }

    /**
     * Along one axis cut into query intervals of {@code tq} and key intervals of {@code tk}: the executed pairs
     * (sum of |query interval|·|key interval| over touched interval pairs) and the number of touched pairs.
     */
    static double[] simulateAxis(GnaAxis axis, int tq, int tk) {
        int length = axis.length();
        double pairs = 0;
        double touched = 0;
        boolean[] reached = new boolean[length];
        for (int q0 = 0; q0 < length; q0 += tq) {
            java.util.Arrays.fill(reached, false);
            int q1 = Math.min(q0 + tq, length);
            for (int i = q0; i < q1; i++) {
                for (int c = axis.windowStart(i); c < axis.windowEnd(i); c++) reached[i % axis.dilation() + c * axis.dilation()] = true;
            }
            for (int k0 = 0; k0 < length; k0 += tk) {
                int k1 = Math.min(k0 + tk, length);
                for (int j = k0; j < k1; j++) {
                    if (reached[j]) {
                        pairs += (double) (q1 - q0) * (k1 - k0);
                        touched++;
                        break;
                    }
                }
            }
        }
        return new double[] {pairs, touched};
    }

    private record Ranked(GnaTiling tiling, double cost) {
    }

    /** Power-of-two boxes of exactly {@code volume} tokens that fit the grid on every axis. */
    static List<int[]> boxes(TokenGrid grid, int volume) {
        List<int[]> boxes = new ArrayList<>();
        for (int f = 1; f <= grid.frames() && f <= volume; f *= 2) {
            for (int h = 1; h <= grid.height() && f * h <= volume; h *= 2) {
                int w = volume / (f * h);
                if (f * h * w == volume && w <= grid.width()) boxes.add(new int[] {f, h, w});
            }
        }
        return boxes;
    }
}
