package io.tilewise.reorder;

import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * PARO calibration of one layer: from sampled q and k, picks each head's {@link AxisOrder} and measures its block
 * attention mass, from which {@link ParoMask} builds the block mask.
 *
 * <p><b>Statistics.</b> For a set of query rows, the post-softmax probabilities over all keys are computed exactly
 * (fp32 dot products, softmax in fp64). Scores do not depend on the order, so each row is computed once and its
 * probabilities are summed into the (query block, key block) cells of all six orders at once. Rows are all rows
 * when {@code sampleEvery == 1}; otherwise a seeded random {@code 1/sampleEvery} of them, plus the first row of any
 * query block (in any order) that got none — so every block row of every order has a sample. Batches are summed.
 *
 * <p><b>Order metric (ours; PARO's own metric is not public; docs/methods.md §4.1).</b> For each query block
 * row, the mean probability distribution over key blocks; the number of key blocks needed to cover
 * {@code coverage} (default 90 %) of it; averaged over block rows. Fewest blocks wins — attention concentrated in
 * few blocks is what a static block mask keeps. Ties (within 1e-9) go to the lower mean variance of the
 * probabilities inside a block (PARO's second goal: uniform blocks quantize well), then to the lower order id.
 */
public final class ParoCalibrator {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int ORDERS = AxisOrder.values().length;

    /**
     * @param blockSize   block of the mask (PARO: 64)
     * @param sampleEvery query rows sampled: 1 in {@code sampleEvery} (1 = all rows, exact)
     * @param coverage    share of a row's mass the metric covers, in (0, 1]
     * @param seed        seed of the row sample
     */
    public record Options(int blockSize, int sampleEvery, double coverage, long seed) {
        public Options {
            if (blockSize < 16 || blockSize > 4096) throw new IllegalArgumentException("block size " + blockSize + " must be in 16..4096");
            if (sampleEvery < 1) throw new IllegalArgumentException("sampleEvery " + sampleEvery + " must be >= 1");
            if (!(coverage > 0 && coverage <= 1)) throw new IllegalArgumentException("coverage " + coverage + " not in (0, 1]");
        }

        public static Options defaults() {
            return new Options(64, 8, 0.9, 1);
        }

        public Options withSampleEvery(int every) {
            return new Options(blockSize, every, coverage, seed);
        }

        public Options withBlockSize(int size) {
            return new Options(size, sampleEvery, coverage, seed);
        }
    }

    /** Score of one order for one head: mean blocks to reach the coverage, and mean intra-block variance. */
    public record OrderScore(AxisOrder order, double blocksToCover, double blockVariance) {
    }

    /**
     * Result for one head.
     *
     * @param masses per order id, {@code blocks × blocks} mean probability per (query block, key block): row
     *               {@code qb} is the mean over its sampled query rows of their distribution over key blocks
     */
    public record HeadCalibration(int head, AxisOrder order, List<OrderScore> scores, double[][] masses, int sampledRows) {

        /** Block mass of the chosen order. */
        public double[] mass() {
            return masses[order.id()];
        }

        /** Block mass in any order (e.g. to compare with the identity order). */
        public double[] massOf(AxisOrder other) {
            return masses[other.id()];
        }
    }

    private ParoCalibrator() {
    }

    /** Calibrates every head of one layer from its q and k ({@code [batch, heads, seqLen, headDim]}). */
    public static List<HeadCalibration> calibrate(Tensor q, Tensor k, float scale, TokenLayout layout, Options options) {
        q.requireSameShape(k, "k");
        if (q.seqLen() != layout.seqLen()) {
            throw new IllegalArgumentException("q has seqLen " + q.seqLen() + ", layout " + layout + " has " + layout.seqLen());
        }
        int seqLen = layout.seqLen();
        int blockSize = options.blockSize();
        int blocks = ParoPlan.blocksOf(seqLen, blockSize);
        int[][] blockOf = new int[ORDERS][seqLen];
        int[][] inverse = new int[ORDERS][];
        for (AxisOrder o : AxisOrder.values()) {
            TokenPermutation p = TokenPermutation.of(layout, o);
            for (int t = 0; t < seqLen; t++) blockOf[o.id()][t] = p.forward(t) / blockSize;
            inverse[o.id()] = p.inverseMap();
        }
        int[] rows = sampleRows(seqLen, blocks, blockSize, blockOf, inverse, options);
        int heads = q.heads();
        int slices = Math.max(1, Math.min(Parallel.threads(), rows.length));
        Accumulator[] parts = new Accumulator[heads * slices];
        Parallel.forEach(heads * slices, item -> {
            int h = item / slices;
            int slice = item % slices;
            Accumulator acc = new Accumulator(blocks);
            float[] qh = new float[seqLen * q.headDim()];
            float[] kh = new float[seqLen * q.headDim()];
            double[] p = new double[seqLen];
            for (int b = 0; b < q.batch(); b++) {
                q.copyHeadTo(b, h, qh, 0);
                k.copyHeadTo(b, h, kh, 0);
                for (int r = slice; r < rows.length; r += slices) {
                    probabilities(qh, kh, rows[r], q.headDim(), scale, p);
                    acc.add(rows[r], p, blockOf);
                }
            }
            parts[item] = acc;
        });
        List<HeadCalibration> result = new ArrayList<>(heads);
        for (int h = 0; h < heads; h++) {
            Accumulator total = parts[h * slices];
            for (int s = 1; s < slices; s++) total.merge(parts[h * slices + s]);
            result.add(choose(h, total, seqLen, blockSize, options.coverage(), rows.length));
        }
        return result;
    }

    /** Fills (group, layer) of a plan with the chosen orders and masks at {@code density}. */
    public static void fill(ParoPlan.Builder plan, int group, int layer, List<HeadCalibration> heads, TokenLayout layout,
                            int blockSize, double density) {
        for (HeadCalibration c : heads) {
            plan.set(group, layer, c.head(), c.order(), ParoMask.select(c.mass(), layout, blockSize, density));
        }
    }

    /** Query rows to sample: all, or a seeded random share topped up so no block row of any order is empty. */
    static int[] sampleRows(int seqLen, int blocks, int blockSize, int[][] blockOf, int[][] inverse, Options options) {
        boolean[] chosen = new boolean[seqLen];
        if (options.sampleEvery() == 1) {
            Arrays.fill(chosen, true);
        } else {
            SplittableRandom random = new SplittableRandom(options.seed());
            for (int t = 0; t < seqLen; t++) chosen[t] = random.nextInt(options.sampleEvery()) == 0;
            for (int o = 0; o < ORDERS; o++) {
                boolean[] covered = new boolean[blocks];
                for (int t = 0; t < seqLen; t++) if (chosen[t]) covered[blockOf[o][t]] = true;
                for (int qb = 0; qb < blocks; qb++) if (!covered[qb]) chosen[inverse[o][qb * blockSize]] = true;
            }
        }
        int count = 0;
        for (boolean c : chosen) if (c) count++;
        int[] rows = new int[count];
        for (int t = 0, i = 0; t < seqLen; t++) if (chosen[t]) rows[i++] = t;
        return rows;
    }

    /** Softmax row {@code row} of τ·Q·Kᵀ into {@code p} (fp32 dots, fp64 exp and sum). */
    static void probabilities(float[] qh, float[] kh, int row, int headDim, float scale, double[] p) {
        int seqLen = p.length;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < seqLen; j++) {
            double s = (double) dot(qh, row * headDim, kh, j * headDim, headDim) * scale;
            p[j] = s;
            if (s > max) max = s;
        }
        double sum = 0;
        for (int j = 0; j < seqLen; j++) {
            double e = Math.exp(p[j] - max);
            p[j] = e;
            sum += e;
        }
        double inv = 1.0 / sum;
        for (int j = 0; j < seqLen; j++) p[j] *= inv;
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int lanes = SPECIES.length();
        int d = 0;
        FloatVector acc = FloatVector.zero(SPECIES);
        for (; d + lanes <= n; d += lanes) {
            acc = FloatVector.fromArray(SPECIES, a, ao + d).fma(FloatVector.fromArray(SPECIES, b, bo + d), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; d < n; d++) s += a[ao + d] * b[bo + d];
        return s;
    }

    private static HeadCalibration choose(int head, Accumulator acc, int seqLen, int blockSize, double coverage, int sampled) {
        int blocks = acc.blocks;
        List<OrderScore> scores = new ArrayList<>(ORDERS);
        for (AxisOrder o : AxisOrder.values()) {
            scores.add(score(o, acc, seqLen, blockSize, coverage));
        }
        OrderScore best = scores.get(0);
        for (OrderScore s : scores) {
            double d = s.blocksToCover() - best.blocksToCover();
            if (d < -1e-9 || (Math.abs(d) <= 1e-9 && s.blockVariance() < best.blockVariance())) best = s;
        }
        double[][] masses = new double[ORDERS][];
        for (int o = 0; o < ORDERS; o++) {
            double[] mass = acc.mass[o];
            for (int qb = 0; qb < blocks; qb++) {
                int n = acc.rows[o][qb];
                for (int kb = 0; kb < blocks; kb++) mass[qb * blocks + kb] = n == 0 ? 0 : mass[qb * blocks + kb] / n;
            }
            masses[o] = mass;
        }
        return new HeadCalibration(head, best.order(), List.copyOf(scores), masses, sampled);
    }

    private static OrderScore score(AxisOrder order, Accumulator acc, int seqLen, int blockSize, double coverage) {
        int o = order.id();
        int blocks = acc.blocks;
        double[] row = new double[blocks];
        double countSum = 0;
        int rowsScored = 0;
        double varianceSum = 0;
        long cellsScored = 0;
        for (int qb = 0; qb < blocks; qb++) {
            int n = acc.rows[o][qb];
            if (n == 0) continue;
            double total = 0;
            for (int kb = 0; kb < blocks; kb++) {
                double m = acc.mass[o][qb * blocks + kb];
                row[kb] = m;
                total += m;
                int cols = Math.min(blockSize, seqLen - kb * blockSize);
                double cells = (double) n * cols;
                double mean = m / cells;
                varianceSum += Math.max(0, acc.squares[o][qb * blocks + kb] / cells - mean * mean);
                cellsScored++;
            }
            Arrays.sort(row);
            double covered = 0;
            int count = 0;
            for (int i = blocks - 1; i >= 0 && covered < coverage * total * (1 - 1e-12); i--) {
                covered += row[i];
                count++;
            }
            countSum += count;
            rowsScored++;
        }
        return new OrderScore(order, countSum / Math.max(1, rowsScored), varianceSum / Math.max(1, cellsScored));
    }

    /** Per-order block sums of p and p², and sampled rows per query block, for one head. */
    private static final class Accumulator {
        final int blocks;
        final double[][] mass;
        final double[][] squares;
        final int[][] rows;

        Accumulator(int blocks) {
            this.blocks = blocks;
            this.mass = new double[ORDERS][blocks * blocks];
            this.squares = new double[ORDERS][blocks * blocks];
            this.rows = new int[ORDERS][blocks];
        }

        void add(int row, double[] p, int[][] blockOf) {
            for (int o = 0; o < ORDERS; o++) {
                int[] bo = blockOf[o];
                int base = bo[row] * blocks;
                double[] m = mass[o];
                double[] s = squares[o];
                for (int j = 0; j < p.length; j++) {
                    int cell = base + bo[j];
                    double v = p[j];
                    m[cell] += v;
                    s[cell] += v * v;
                }
                rows[o][bo[row]]++;
            }
        }

        void merge(Accumulator other) {
            for (int o = 0; o < ORDERS; o++) {
                for (int i = 0; i < mass[o].length; i++) {
                    mass[o][i] += other.mass[o][i];
                    squares[o][i] += other.squares[o][i];
                }
                for (int i = 0; i < blocks; i++) rows[o][i] += other.rows[o][i];
            }
        }
    }
}
