package io.tilewise.caches.residual;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.StatefulSession;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.neighborhood.GnaKernel;
import io.tilewise.attention.piecewise.PisaKernel;
import io.tilewise.attention.radial.RadialKernel;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.caches.testkit.Attn;
import io.tilewise.reorder.ParoKernel;
import io.tilewise.reorder.ParoPlan;
import io.tilewise.reorder.ParoPlanFile;
import io.tilewise.reorder.ParoSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResidualKernelTest {

    private static final AttentionShape SHAPE = Attn.shape(2, 32, 6, 8, 8);
    private static final String RADIAL = "radial:decay=0.5,block=64";
    private static final String GNA = "gna:window=3x5x5";

    private static AttentionKernel kernel(String spec) {
        return AttentionMethods.create(spec);
    }

    private static void forward(AttentionSession s, Attn.Problem p, AttentionContext ctx, Attn.Result r) {
        s.forward(p.q(), p.k(), p.v(), ctx, r.out(), r.lse());
    }

    /** At a refresh the inner part plus the dropped part is dense attention, whatever the inner method. */
    @Test
    void everyRefreshEqualsDense(@TempDir Path dir) throws IOException {
        String paro = "paro:plan=" + paroPlan(dir);
        for (String inner : new String[] {RADIAL, GNA, "pisa:density=0.25,block=64", "blocksparse:keep=0.3,tile=64,seed=3", paro, "dense"}) {
            try (Attn.Problem p = Attn.Problem.random(SHAPE, 21);
                 Attn.Result dense = Attn.reference(p.q(), p.k(), p.v(), null);
                 Attn.Result actual = Attn.Result.like(p.q());
                 AttentionSession s = kernel("cache(tau=1):" + inner).prepare(SHAPE)) {
                for (int step = 0; step < 3; step++) {
                    forward(s, p, Attn.at(step, 0, Branch.COND), actual);
                    Attn.assertClose(dense.out(), actual.out(), Attn.REL_L2, inner + " step " + step);
                    Attn.assertClose(dense.lse(), actual.lse(), Attn.REL_L2, inner + " lse step " + step);
                }
            }
        }
    }

    /** tau=1: every call recomputes, so a session with state gives exactly what fresh sessions give. */
    @Test
    void tauOneEqualsNoCacheBitForBit() {
        try (AttentionSession cached = kernel("cache(tau=1):" + GNA).prepare(SHAPE)) {
            for (int step = 0; step < 4; step++) {
                try (Attn.Problem p = Attn.Problem.random(SHAPE, 100 + step);
                     Attn.Result withState = Attn.Result.like(p.q());
                     Attn.Result fresh = Attn.Result.like(p.q());
                     AttentionSession once = kernel("cache(tau=1):" + GNA).prepare(SHAPE)) {
                    forward(cached, p, Attn.at(step, 0, Branch.COND), withState);
                    forward(once, p, Attn.at(step, 0, Branch.COND), fresh);
                    Attn.assertBitEqual(fresh.out(), withState.out(), "step " + step);
                }
            }
        }
    }

    /** Between refreshes: inner method on the new queries, dropped part from the refresh step's inputs. */
    @Test
    void cachedPartMergedByLseEqualsRecomputingItWhenQueriesDidNotChange() {
        AttentionKernel k = kernel("cache(tau=3,reuse=lse):" + RADIAL);
        BlockSparsePlan kept = ((RadialKernel) kernel(RADIAL)).plan(SHAPE);
        TokenMask keep = (q, key) -> kept.allows(0, q, key);
        TokenMask drop = (q, key) -> !kept.allows(0, q, key);
        try (Attn.Problem first = Attn.Problem.random(SHAPE, 31);
             Attn.Problem moved = first.withQueries(77);
             Attn.Result refresh = Attn.Result.like(first.q());
             Attn.Result same = Attn.Result.like(first.q());
             Attn.Result reused = Attn.Result.like(first.q());
             AttentionSession s = k.prepare(SHAPE)) {
            forward(s, first, Attn.at(0, 0, Branch.COND), refresh);
            forward(s, first, Attn.at(1, 0, Branch.COND), same);
            Attn.assertBitEqual(refresh.out(), same.out(), "unchanged q: cached = recomputed");
            Attn.assertBitEqual(refresh.lse(), same.lse(), "unchanged q: lse");
            forward(s, moved, Attn.at(2, 0, Branch.COND), reused);
            try (Attn.Result inner = Attn.reference(moved.q(), moved.k(), moved.v(), keep);
                 Attn.Result old = Attn.reference(first.q(), first.k(), first.v(), drop);
                 Attn.Result expected = Attn.merged(inner, old);
                 Attn.Result dense = Attn.reference(moved.q(), moved.k(), moved.v(), null)) {
                Attn.assertClose(expected.out(), reused.out(), Attn.REL_L2, "inner(new q) + dropped(step-0 q)");
                assertFalse(Attn.bitEqual(dense.out(), reused.out()), "between refreshes the result is not dense");
            }
            // step 3 = refresh step 0 + tau: dense again on the moved queries
            forward(s, moved, Attn.at(3, 0, Branch.COND), reused);
            try (Attn.Result dense = Attn.reference(moved.q(), moved.k(), moved.v(), null)) {
                Attn.assertClose(dense.out(), reused.out(), Attn.REL_L2, "refresh at step 3");
            }
        }
    }

    /**
     * PISA on a grid chooses its blocks in box order (2x4x8 boxes here): between refreshes the frozen selection runs
     * in that order, so on unchanged inputs kept part + cached dropped part is still dense attention.
     */
    @Test
    void frozenPisaSelectionRunsInItsTileOrder() {
        String pisa = "pisa:density=0.25,block=64";
        assertArrayEquals(new int[] {2, 4, 8},
                ((PisaKernel) kernel(pisa)).pisaSpec().tiling().boxFor(SHAPE.layout().grid(), 64));
        for (String reuse : new String[] {"lse", "delta"}) {
            try (Attn.Problem p = Attn.Problem.random(SHAPE, 41);
                 Attn.Result dense = Attn.reference(p.q(), p.k(), p.v(), null);
                 Attn.Result actual = Attn.Result.like(p.q());
                 AttentionSession s = kernel("cache(tau=3,reuse=" + reuse + "):" + pisa).prepare(SHAPE)) {
                for (int step = 0; step < 3; step++) {
                    forward(s, p, Attn.at(step, 0, Branch.COND), actual);
                    Attn.assertClose(dense.out(), actual.out(), Attn.REL_L2, reuse + " step " + step);
                }
            }
        }
    }

    /** reuse=delta: between refreshes, inner method on the new queries plus the refresh step's dense − inner. */
    @Test
    void deltaReuseAddsTheRefreshCorrectionToTheInnerOutput() {
        BlockSparsePlan kept = ((RadialKernel) kernel(RADIAL)).plan(SHAPE);
        TokenMask keep = (q, key) -> kept.allows(0, q, key);
        try (Attn.Problem first = Attn.Problem.random(SHAPE, 32);
             Attn.Problem moved = first.withQueries(78);
             Attn.Result refresh = Attn.Result.like(first.q());
             Attn.Result same = Attn.Result.like(first.q());
             Attn.Result reused = Attn.Result.like(first.q());
             AttentionSession s = kernel("cache(tau=3):" + RADIAL).prepare(SHAPE)) {
            forward(s, first, Attn.at(0, 0, Branch.COND), refresh);
            forward(s, first, Attn.at(1, 0, Branch.COND), same);
            Attn.assertClose(refresh.out(), same.out(), 1e-6, "unchanged q: inner + (dense − inner) = dense");
            Attn.assertClose(refresh.lse(), same.lse(), 1e-6, "unchanged q: lse");
            forward(s, moved, Attn.at(2, 0, Branch.COND), reused);
            try (Attn.Result innerNow = Attn.reference(moved.q(), moved.k(), moved.v(), keep);
                 Attn.Result innerThen = Attn.reference(first.q(), first.k(), first.v(), keep);
                 Attn.Result denseThen = Attn.reference(first.q(), first.k(), first.v(), null);
                 Attn.Result expected = Attn.Result.like(first.q());
                 Attn.Result dense = Attn.reference(moved.q(), moved.k(), moved.v(), null)) {
                float[] e = innerNow.out().toArray(), a = innerThen.out().toArray(), d = denseThen.out().toArray();
                for (int i = 0; i < e.length; i++) e[i] += d[i] - a[i];
                for (int h = 0; h < SHAPE.heads(); h++) {
                    expected.out().copyRowsFrom(0, h, 0, SHAPE.seqLen(), e, h * SHAPE.seqLen() * SHAPE.headDim());
                }
                Attn.assertClose(expected.out(), reused.out(), Attn.REL_L2, "inner(new q) + dense(step-0) − inner(step-0)");
                assertFalse(Attn.bitEqual(dense.out(), reused.out()), "between refreshes the result is not dense");
            }
            forward(s, moved, Attn.at(3, 0, Branch.COND), reused);
            try (Attn.Result dense = Attn.reference(moved.q(), moved.k(), moved.v(), null)) {
                Attn.assertClose(dense.out(), reused.out(), Attn.REL_L2, "refresh at step 3");
            }
        }
    }

    /** Cond and uncond (and layers) never share cached parts. */
    @Test
    void branchesAndLayersAreIsolated() {
        String spec = "cache(tau=4):" + GNA;
        try (Attn.Problem cond = Attn.Problem.random(SHAPE, 41);
             Attn.Problem uncond = Attn.Problem.random(SHAPE, 51);
             Attn.Problem condLater = cond.withQueries(42);
             Attn.Problem uncondLater = uncond.withQueries(52);
             Attn.Result interleaved = Attn.Result.like(cond.q());
             Attn.Result alone = Attn.Result.like(cond.q());
             AttentionSession both = kernel(spec).prepare(SHAPE);
             AttentionSession only = kernel(spec).prepare(SHAPE)) {
            forward(both, cond, Attn.at(0, 0, Branch.COND), interleaved);
            forward(both, uncond, Attn.at(0, 0, Branch.UNCOND), interleaved);
            forward(both, cond, Attn.at(0, 1, Branch.COND), interleaved);
            forward(both, condLater, Attn.at(1, 0, Branch.COND), interleaved);
            forward(both, uncondLater, Attn.at(1, 0, Branch.UNCOND), interleaved);
            forward(only, uncond, Attn.at(0, 0, Branch.UNCOND), alone);
            forward(only, uncondLater, Attn.at(1, 0, Branch.UNCOND), alone);
            Attn.assertBitEqual(alone.out(), interleaved.out(), "uncond with cond and another layer in between");
            assertEquals(3 * entryBytes(), ((StatefulSession) both).stateBytes(), "three keys: (0,cond), (0,uncond), (1,cond)");
        }
    }

    @Test
    void resetDropsTheStateAndANewGenerationStartsFresh() {
        try (Attn.Problem p = Attn.Problem.random(SHAPE, 61);
             Attn.Problem other = Attn.Problem.random(SHAPE, 62);
             Attn.Result a = Attn.Result.like(p.q());
             Attn.Result b = Attn.Result.like(p.q());
             AttentionSession s = kernel("cache(tau=10):" + RADIAL).prepare(SHAPE)) {
            StatefulSession state = (StatefulSession) s;
            assertEquals(0, state.stateBytes());
            forward(s, other, Attn.at(0, 0, Branch.COND), a);
            forward(s, other, Attn.at(1, 0, Branch.COND), a);
            assertEquals(entryBytes(), state.stateBytes());
            state.resetState();
            assertEquals(0, state.stateBytes());
            forward(s, p, Attn.at(0, 0, Branch.COND), a);
            // without a reset, a step that does not advance also means a new generation: refresh
            forward(s, other, Attn.at(5, 0, Branch.COND), b);
            forward(s, p, Attn.at(0, 0, Branch.COND), b);
            Attn.assertBitEqual(a.out(), b.out(), "step 0 after reset vs after a step going back");
        }
    }

    @Test
    void specsParseAndPrintInTheWrapperForm() {
        AttentionKernel k = kernel("cache(tau=3):radial:decay=0.2");
        assertEquals("cache(tau=3):" + kernel("radial:decay=0.2").spec(), k.spec());
        assertEquals(k.spec(), kernel(k.spec()).spec());
        assertEquals("cache(tau=3):radial:decay=0.2", MethodSpec.parse("cache(tau=3):radial:decay=0.2").toString());
        assertEquals(3, ((ResidualKernel) kernel("cache():" + GNA)).residualSpec().tau(), "default tau");
        assertEquals(ResidualSpec.Reuse.DELTA, ((ResidualKernel) kernel("cache():" + GNA)).residualSpec().reuse(), "default reuse");
        AttentionKernel lse = kernel("cache(reuse=lse,tau=4):radial:decay=0.2");
        assertEquals("cache(tau=4,reuse=lse):" + kernel("radial:decay=0.2").spec(), lse.spec());
        assertEquals(lse.spec(), kernel(lse.spec()).spec());
        assertEquals("gna", ((ResidualKernel) kernel("cache(tau=2):" + GNA)).inner().id());
        assertTrue(((ResidualKernel) kernel("cache:tau=2,inner=radial")).inner() instanceof RadialKernel);
        for (String bad : new String[] {"cache(tau=0):radial", "cache(tau=x):radial", "cache(tau=2)", "cache(tau=2):",
                "cache(tau=2,every=3):radial", "cache(tau=2,reuse=mean):radial", "cache(tau=2):nosuch", "cache(tau=2):cache(tau=3):radial"}) {
            SpecException e = assertThrows(SpecException.class, () -> kernel(bad), bad);
            assertTrue(e.getMessage().startsWith("cache") || e.getMessage().contains("cache"), e.getMessage());
        }
        assertFalse(kernel("cache(tau=2):paro:density=0.3").supports(SHAPE, io.tilewise.attention.api.Device.CPU).supported(),
                "self-calibrating paro is refused");
    }

    @Test
    void executedDensityCountsTheDroppedPartAtRefreshesOnly() {
        GnaKernel gna = (GnaKernel) kernel(GNA);
        double inner = gna.plan(SHAPE).executedDensity();
        try (Attn.Problem p = Attn.Problem.random(SHAPE, 71);
             Attn.Result r = Attn.Result.like(p.q());
             AttentionSession s = kernel("cache(tau=2):" + GNA).prepare(SHAPE)) {
            forward(s, p, Attn.at(0, 0, Branch.COND), r);
            assertTrue(s.executedDensity() > inner + 0.5, "refresh: " + s.executedDensity());
            forward(s, p, Attn.at(1, 0, Branch.COND), r);
            assertEquals(inner, s.executedDensity(), 1e-12);
        }
    }

    private static long entryBytes() {
        return (long) SHAPE.heads() * SHAPE.seqLen() * (SHAPE.headDim() + 1) * Float.BYTES;
    }

    /** A PARO plan file self-calibrated on seeded inputs for SHAPE. */
    private static Path paroPlan(Path dir) throws IOException {
        ParoKernel calibrating = new ParoKernel(ParoSpec.parse(MethodSpec.parse("paro:density=0.3,block=64")));
        try (Attn.Problem p = Attn.Problem.random(SHAPE, 5)) {
            ParoPlan plan = calibrating.calibrate(p.q(), p.k(), Attn.scale(p.q()), SHAPE.layout());
            Path file = dir.resolve("residual.plan");
            ParoPlanFile.write(plan, file);
            return file;
        }
    }

}
