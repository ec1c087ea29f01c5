package io.tilewise.caches.exec;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.merge.LseMerge;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.caches.testkit.Attn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartMergeTest {

    private static final AttentionShape SHAPE = Attn.shape(3, 32, 2, 8, 8);

    @Test
    void mergingDisjointKeySetsGivesAttentionOverTheUnion() {
        TokenMask a = (q, k) -> (k % 3) == 0;
        TokenMask b = (q, k) -> (k % 3) != 0;
        try (Attn.Problem p = Attn.Problem.random(SHAPE, 11);
             Attn.Result partA = Attn.reference(p.q(), p.k(), p.v(), a);
             Attn.Result partB = Attn.reference(p.q(), p.k(), p.v(), b);
             Attn.Result all = Attn.reference(p.q(), p.k(), p.v(), null);
             Attn.Result merged = Attn.Result.like(p.q())) {
            PartMerge.merge(partA.out(), partA.lse(), partB.out(), partB.lse(), merged.out(), merged.lse());
            Attn.assertClose(all.out(), merged.out(), 1e-6, "output");
            Attn.assertClose(all.lse(), merged.lse(), 1e-6, "lse");
        }
    }

    @Test
    void sameResultAsTheScalarLseMergeAndInPlace() {
        try (Attn.Problem p = Attn.Problem.random(SHAPE, 12);
             Attn.Result partA = Attn.reference(p.q(), p.k(), p.v(), (q, k) -> k < 40);
             Attn.Result partB = Attn.reference(p.q(), p.k(), p.v(), (q, k) -> k >= 40);
             Attn.Result scalar = Attn.merged(partA, partB)) {
            PartMerge.merge(partA.out(), partA.lse(), partB.out(), partB.lse(), partA.out(), partA.lse());
            Attn.assertBitEqual(scalar.out(), partA.out(), "in-place merge vs LseMerge");
            Attn.assertBitEqual(scalar.lse(), partA.lse(), "lse vs LseMerge");
        }
    }

    @Test
    void aPartWithNoKeysContributesNothingEvenWithNaNOutput() {
        try (Attn.Problem p = Attn.Problem.random(SHAPE, 13);
             Attn.Result part = Attn.reference(p.q(), p.k(), p.v(), null);
             Tensor emptyOut = p.q().zerosLike();
             Tensor emptyLse = p.q().lseLike();
             Attn.Result merged = Attn.Result.like(p.q())) {
            emptyOut.fill(Float.NaN);
            emptyLse.fill(Float.NEGATIVE_INFINITY);
            PartMerge.merge(part.out(), part.lse(), emptyOut, emptyLse, merged.out(), merged.lse());
            Attn.assertBitEqual(part.out(), merged.out(), "B empty");
            PartMerge.merge(emptyOut, emptyLse, part.out(), part.lse(), merged.out(), merged.lse());
            Attn.assertBitEqual(part.out(), merged.out(), "A empty");
            Attn.assertBitEqual(part.lse(), merged.lse(), "A empty lse");
            for (float x : merged.out().toArray()) assertTrue(Float.isFinite(x));
            assertEquals(0, LseMerge.mergedLse(0, Double.NEGATIVE_INFINITY), 0);
        }
    }
}
