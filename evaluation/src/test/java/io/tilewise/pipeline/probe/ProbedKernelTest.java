package io.tilewise.pipeline.probe;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.neighborhood.GnaKernel;
import io.tilewise.attention.neighborhood.GnaMask;
import io.tilewise.attention.piecewise.PisaKernel;
import io.tilewise.attention.piecewise.PisaPlanner;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.PermutedCall;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The probed wrapper: its records match a brute-force fp64 computation of the error against dense and of the
 * softmax mass inside the method's mask; probing never changes the output; only sampled calls are probed.
 */
class ProbedKernelTest {

    private static final TokenLayout LAYOUT = TokenLayout.video(new TokenGrid(2, 8, 8));
    private static final AttentionShape SHAPE = new AttentionShape(1, 2, 16, LAYOUT);

    @Test
    void gnaRecordsMatchBruteForceErrorAndMass() {
        GnaKernel gna = (GnaKernel) AttentionMethods.create("gna:window=2x5x5");
        ProbeRecord r = probeOnce(gna, 1);
        GnaMask mask = new GnaMask(gna.gnaSpec(), LAYOUT);
        try (Inputs in = new Inputs(1)) {
            assertEquals(bruteForceMass(in, (h, q, k) -> mask.allowed(q, k)), r.maskMass(), 1e-5);
            assertEquals(bruteForceError(gna, in), r.relL2(), 1e-5);
        }
        assertTrue(r.maskMass() < 1 && r.maskMass() > 0.1, "window 2x5x5 on 2x8x8 misses some mass: " + r.maskMass());
        assertTrue(r.minMaskMass() <= r.maskMass());
        assertTrue(r.cosine() > 0.5 && r.cosine() <= 1 + 1e-9, "cosine " + r.cosine());
        assertEquals(gna.plan(SHAPE).executedDensity(), r.executedDensity(), 1e-12);
    }

    @Test
    void pisaApproximatedTilesCountAsOutsideTheMask() {
        PisaKernel pisa = (PisaKernel) AttentionMethods.create("pisa:density=0.25,block=16");
        ProbeRecord r = probeOnce(pisa, 2);
        // PISA's blocks are 2x2x4 boxes on this grid: plan in box order, map the mask back to layout positions.
        int[] order = pisa.pisaSpec().order(LAYOUT);
        assertArrayEquals(new int[] {2, 2, 4}, pisa.pisaSpec().tiling().boxFor(LAYOUT.grid(), 16));
        int[] position = new int[order.length];
        for (int p = 0; p < order.length; p++) position[order[p]] = p;
        try (Inputs in = new Inputs(2); PermutedCall tiled = new PermutedCall(order)) {
            float scale = AttentionContext.standalone().scaleFor(SHAPE.headDim());
            tiled.gather(in.q, in.k, in.v);
            BlockSparsePlan full = new PisaPlanner(pisa.pisaSpec()).plan(tiled.q(), tiled.k(), tiled.v(), 0, scale).plan();
            assertTrue(full.hasApproximation(), "the test needs approximated tiles");
            BlockSparsePlan exact = MaskMass.exactPart(full);
            assertTrue(!exact.hasApproximation() && exact.exactEntries() == full.exactEntries());
            assertEquals(bruteForceMass(in, (h, q, k) -> exact.allows(h, position[q], position[k])), r.maskMass(), 1e-5);
            assertEquals(bruteForceError(pisa, in), r.relL2(), 1e-5);
        }
        assertTrue(r.maskMass() < 0.95, "a quarter of the blocks cannot hold all the mass of random inputs: " + r.maskMass());
    }

    @Test
    void exactLimitHasFullMassAndNoError() {
        ProbeRecord r = probeOnce(AttentionMethods.create("gna:window=2x8x8"), 3);
        assertEquals(1.0, r.maskMass(), 1e-5);
        assertTrue(r.relL2() < 1e-5, "window = grid is dense: " + r.relL2());
    }

    @Test
    void onlySampledCallsAreProbedAndOutputsAreUnchanged() {
        ProbeLog log = new ProbeLog();
        AttentionKernel radial = AttentionMethods.create("radial:decay=0.5,block=32");
        ProbedKernel probed = new ProbedKernel(radial, ProbeSampler.every(2), log);
        try (Inputs in = new Inputs(4); Tensor a = in.q.zerosLike(); Tensor b = in.q.zerosLike();
             AttentionSession plain = radial.prepare(SHAPE, Device.CPU); AttentionSession wrapped = probed.prepare(SHAPE, Device.CPU)) {
            for (int step = 0; step < 5; step++) {
                for (Branch branch : Branch.values()) {
                    AttentionContext ctx = new AttentionContext(step, 5, 1.0 - step / 5.0, 1, branch, Float.NaN, null);
                    plain.forward(in.q, in.k, in.v, ctx, a);
                    wrapped.forward(in.q, in.k, in.v, ctx, b);
                    assertArrayEquals(a.toArray(), b.toArray(), "probing changed the output at step " + step + " " + branch);
                }
            }
        }
        List<ProbeRecord> records = log.records();
        assertEquals(List.of(0, 2, 4), records.stream().map(ProbeRecord::step).toList());
        assertTrue(records.stream().allMatch(r -> r.branch() == Branch.COND && r.layer() == 1));
        assertTrue(records.stream().allMatch(r -> r.spec().equals(radial.spec())));
    }

    @Test
    void denseIsNotProbed() {
        ProbeLog log = new ProbeLog();
        AttentionKernel dense = AttentionMethods.create("dense");
        try (Inputs in = new Inputs(5); Tensor out = in.q.zerosLike();
             AttentionSession s = new ProbedKernel(dense, ProbeSampler.every(1), log).prepare(SHAPE, Device.CPU)) {
            s.forward(in.q, in.k, in.v, AttentionContext.standalone(), out);
        }
        assertTrue(log.records().isEmpty());
        assertSame(dense, new ProbedKernel(dense, ProbeSampler.every(1), log).inner());
    }

    private static ProbeRecord probeOnce(AttentionKernel kernel, long seed) {
        ProbeLog log = new ProbeLog();
        try (Inputs in = new Inputs(seed); Tensor out = in.q.zerosLike();
             AttentionSession s = new ProbedKernel(kernel, ProbeSampler.every(1), log).prepare(SHAPE, Device.CPU)) {
            s.forward(in.q, in.k, in.v, AttentionContext.standalone(), out);
        }
        assertEquals(1, log.records().size());
        return log.records().getFirst();
    }

    /** Mean over heads and rows of Σ_{allowed k} softmax(q·k·scale), in doubles. */
    private static double bruteForceMass(Inputs in, HeadMask mask) {
        int n = SHAPE.seqLen(), d = SHAPE.headDim();
        double scale = 1 / Math.sqrt(d);
        double total = 0;
        for (int h = 0; h < SHAPE.heads(); h++) {
            for (int i = 0; i < n; i++) {
                double[] s = new double[n];
                double max = -Double.MAX_VALUE;
                for (int j = 0; j < n; j++) {
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += (double) in.q.get(0, h, i, c) * in.k.get(0, h, j, c);
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double all = 0, inside = 0;
                for (int j = 0; j < n; j++) {
                    double e = Math.exp(s[j] - max);
                    all += e;
                    if (mask.allowed(h, i, j)) inside += e;
                }
                total += inside / all;
            }
        }
        return total / (SHAPE.heads() * n);
    }

    private static double bruteForceError(AttentionKernel kernel, Inputs in) {
        try (Tensor out = in.q.zerosLike(); Tensor ref = in.q.zerosLike(); AttentionSession s = kernel.prepare(SHAPE, Device.CPU)) {
            s.forward(in.q, in.k, in.v, AttentionContext.standalone(), out);
            DenseReference.forward(in.q, in.k, in.v, AttentionContext.standalone().scaleFor(SHAPE.headDim()), ref, null);
            return TensorMetrics.compare(out, ref).relL2();
        }
    }

    @FunctionalInterface
    private interface HeadMask {
        boolean allowed(int head, int query, int key);
    }

    /** Seeded q, k, v with peaked attention (std 2), so masks matter. */
    private static final class Inputs implements AutoCloseable {
        final Tensor q, k, v;

        Inputs(long seed) {
            q = Tensor.randomNormal(seed, 2f, 1, SHAPE.heads(), SHAPE.seqLen(), SHAPE.headDim());
            k = Tensor.randomNormal(seed + 1, 2f, 1, SHAPE.heads(), SHAPE.seqLen(), SHAPE.headDim());
            v = Tensor.randomNormal(seed + 2, 1f, 1, SHAPE.heads(), SHAPE.seqLen(), SHAPE.headDim());
        }

        @Override
        public void close() {
            q.close();
            k.close();
            v.close();
        }
    }
}
