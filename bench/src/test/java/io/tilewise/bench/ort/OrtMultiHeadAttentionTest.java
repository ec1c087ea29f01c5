package io.tilewise.bench.ort;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX Runtime's MultiHeadAttention, wrapped as {@code ort-mha}, against the fp64 dense reference. */
class OrtMultiHeadAttentionTest {

    private static final double REL_L2 = 1e-4;

    @ParameterizedTest(name = "batch {0}, heads {1}, seqLen {2}, headDim {3}")
    @CsvSource({"1,1,1,8", "1,2,37,16", "2,3,64,32", "1,4,130,64", "1,2,50,7", "2,1,33,128"})
    void matchesDenseReference(int batch, int heads, int seqLen, int headDim) {
        AttentionShape shape = AttentionShape.of(batch, heads, seqLen, headDim);
        long seed = 31L * seqLen + headDim;
        try (Tensor q = Tensor.randomNormal(seed, 1.5f, batch, heads, seqLen, headDim);
             Tensor k = Tensor.randomNormal(seed + 1, 1.5f, batch, heads, seqLen, headDim);
             Tensor v = Tensor.randomNormal(seed + 2, 1f, batch, heads, seqLen, headDim);
             Tensor expected = q.zerosLike();
             Tensor actual = q.zerosLike();
             AttentionSession session = AttentionMethods.create("ort-mha:threads=2").prepare(shape)) {
            DenseReference.forward(q, k, v, AttentionContext.standalone().scaleFor(headDim), expected, null);
            session.forward(q, k, v, AttentionContext.standalone(), actual);
            TensorMetrics m = TensorMetrics.compare(actual, expected);
            assertTrue(m.relL2() <= REL_L2, () -> shape + ": " + m);
        }
    }

    @Test
    void honoursAnExplicitScaleAndRebuildsForIt() {
        int b = 1, h = 2, n = 48, d = 16;
        try (Tensor q = Tensor.randomNormal(5, 1.5f, b, h, n, d);
             Tensor k = Tensor.randomNormal(6, 1.5f, b, h, n, d);
             Tensor v = Tensor.randomNormal(7, 1f, b, h, n, d);
             Tensor expected = q.zerosLike();
             Tensor actual = q.zerosLike();
             AttentionSession session = AttentionMethods.create("ort-mha").prepare(AttentionShape.of(b, h, n, d))) {
            for (float scale : new float[] {0.5f, 0.05f}) {
                DenseReference.forward(q, k, v, scale, expected, null);
                session.forward(q, k, v, AttentionContext.standalone().withScale(scale), actual);
                TensorMetrics m = TensorMetrics.compare(actual, expected);
                assertTrue(m.relL2() <= REL_L2, () -> "scale " + scale + ": " + m);
            }
        }
    }

    @Test
    void boundInputsRunRepeatedlyWithTheSameResult() {
        int b = 1, h = 2, n = 40, d = 8;
        try (Tensor q = Tensor.randomNormal(1, 1.5f, b, h, n, d);
             Tensor k = Tensor.randomNormal(2, 1.5f, b, h, n, d);
             Tensor v = Tensor.randomNormal(3, 1f, b, h, n, d);
             Tensor first = q.zerosLike();
             Tensor second = q.zerosLike();
             OrtMultiHeadAttention ort = new OrtMultiHeadAttention(h, d, 0.35f, 1);
             OrtMultiHeadAttention.Bound bound = ort.bind(q, k, v)) {
            bound.run();
            bound.copyOutputTo(first);
            bound.run();
            bound.copyOutputTo(second);
            assertEquals(0.0, TensorMetrics.compare(second, first).maxAbs());
        }
    }

    @Test
    void refusesLseAndUnknownKeysAndWorksAfterClose() {
        AttentionKernel kernel = AttentionMethods.create("ort-mha");
        AttentionShape shape = AttentionShape.of(1, 1, 8, 4);
        try (Tensor q = Tensor.randomNormal(1, 1f, 1, 1, 8, 4);
             Tensor out = q.zerosLike();
             Tensor lse = q.lseLike()) {
            AttentionSession session = kernel.prepare(shape);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> session.forward(q, q, q, AttentionContext.standalone(), out, lse));
            assertTrue(e.getMessage().contains("log-sum-exp"), e.getMessage());
            session.close();
            session.close();
            assertThrows(IllegalStateException.class, () -> session.forward(q, q, q, AttentionContext.standalone(), out));
        }
        SpecException bad = assertThrows(SpecException.class, () -> AttentionMethods.create("ort-mha:keep=0.5"));
        assertTrue(bad.getMessage().contains("threads"), bad.getMessage());
    }
}
