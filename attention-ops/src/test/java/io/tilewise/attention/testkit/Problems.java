package io.tilewise.attention.testkit;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.tensor.Tensor;

/** Seeded q/k/v for a shape; keys get a larger spread than N(0,1)·scale so softmax is not flat. */
public record Problems(Tensor q, Tensor k, Tensor v) implements AutoCloseable {

    public static Problems random(AttentionShape shape, long seed) {
        int b = shape.batch(), h = shape.heads(), n = shape.seqLen(), d = shape.headDim();
        return new Problems(
                Tensor.randomNormal(seed, 1.5f, b, h, n, d),
                Tensor.randomNormal(seed + 1, 1.5f, b, h, n, d),
                Tensor.randomNormal(seed + 2, 1f, b, h, n, d));
    }

    @Override
    public void close() {
        q.close();
        k.close();
        v.close();
    }
}
