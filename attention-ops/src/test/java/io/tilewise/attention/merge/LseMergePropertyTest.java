package io.tilewise.attention.merge;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.testkit.Problems;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

class LseMergePropertyTest {

    /** Attention over keys [0, split) merged with attention over [split, N) equals attention over all keys. */
    @ParameterizedTest(name = "split at {0}")
    @ValueSource(ints = {1, 37, 100, 199})
    void mergingTwoDisjointHalvesEqualsOneAttention(int split) {
        AttentionShape shape = AttentionShape.of(2, 3, 200, 40);
        float scale = 1f / (float) Math.sqrt(40);
        try (Problems p = Problems.random(shape, split);
             Tensor whole = p.q().zerosLike(); Tensor wholeLse = p.q().lseLike();
             Tensor a = p.q().zerosLike(); Tensor aLse = p.q().lseLike();
             Tensor b = p.q().zerosLike(); Tensor bLse = p.q().lseLike()) {
            DenseReference.forward(p.q(), p.k(), p.v(), scale, whole, wholeLse);
            DenseReference.forward(p.q(), p.k(), p.v(), scale, (q, k) -> k < split, a, aLse);
            DenseReference.forward(p.q(), p.k(), p.v(), scale, (q, k) -> k >= split, b, bLse);
            LseMerge.mergeInto(a, aLse, b, bLse);
            TensorMetrics out = TensorMetrics.compare(a, whole);
            TensorMetrics lse = TensorMetrics.compare(aLse, wholeLse);
            assertTrue(out.relL2() < 1e-6, () -> "output " + out);
            assertTrue(lse.relL2() < 1e-6, () -> "lse " + lse);
        }
    }

    @ParameterizedTest(name = "lse gap {0}")
    @ValueSource(doubles = {0, 30, 200, 1e4})
    void mergedLseIsStableForLargeGaps(double gap) {
        double merged = LseMerge.mergedLse(gap, -gap);
        double expected = gap + Math.log1p(Math.exp(-2 * gap));
        assertTrue(Math.abs(merged - expected) <= 1e-12 * Math.max(1, gap), () -> merged + " vs " + expected);
        assertTrue(Double.isFinite(merged));
    }
}
