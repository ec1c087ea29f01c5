package io.tilewise.reorder;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared test plumbing: seeded problems, the fp64 reference, and hand-built plans. */
final class ParoTesting {

    static final double REL_L2 = 1e-4;

    private ParoTesting() {
    }

    /** Seeded q, k, v (keys spread wider than N(0,1) so the softmax is not flat). */
    record Problem(Tensor q, Tensor k, Tensor v) implements AutoCloseable {
        static Problem random(AttentionShape shape, long seed) {
            int b = shape.batch(), h = shape.heads(), n = shape.seqLen(), d = shape.headDim();
            return new Problem(Tensor.randomNormal(seed, 1.5f, b, h, n, d), Tensor.randomNormal(seed + 1, 1.5f, b, h, n, d),
                    Tensor.randomNormal(seed + 2, 1f, b, h, n, d));
        }

        @Override
        public void close() {
            q.close();
            k.close();
            v.close();
        }
    }

    record Result(TensorMetrics output, TensorMetrics lse) {
    }

    /** Runs {@code kernel} once and compares output and LSE with the fp64 reference under {@code mask}. */
    static Result againstReference(AttentionKernel kernel, AttentionShape shape, Problem p, TokenMask mask,
                                   AttentionContext ctx, double bound) {
        try (Tensor expected = p.q().zerosLike(); Tensor expectedLse = p.q().lseLike();
             Tensor actual = p.q().zerosLike(); Tensor actualLse = p.q().lseLike();
             AttentionSession session = kernel.prepare(shape)) {
            DenseReference.forward(p.q(), p.k(), p.v(), ctx.scaleFor(shape.headDim()), mask, expected, expectedLse);
            session.forward(p.q(), p.k(), p.v(), ctx, actual, actualLse);
            TensorMetrics out = TensorMetrics.compare(actual, expected);
            TensorMetrics lse = TensorMetrics.compare(actualLse, expectedLse);
            String where = kernel.spec() + " on " + shape;
            assertTrue(out.relL2() <= bound, () -> where + ": output " + out);
            assertTrue(lse.relL2() <= bound, () -> where + ": lse " + lse);
            return new Result(out, lse);
        }
    }

    /** A plan of random masks at about {@code density} (forced blocks as in ParoMask), orders per head as given. */
    static ParoPlan randomPlan(String model, TokenLayout layout, int block, int groups, int layers, AxisOrder[] orders,
                               double density, long seed) {
        ParoPlan.Builder b = ParoPlan.builder(model, layout, block, groups, layers, orders.length);
        SplittableRandom random = new SplittableRandom(seed);
        int blocks = b.blocks();
        for (int g = 0; g < groups; g++) {
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < orders.length; h++) {
                    double[] mass = new double[blocks * blocks];
                    for (int i = 0; i < mass.length; i++) mass[i] = random.nextDouble();
                    b.set(g, l, h, orders[h], density >= 1 ? BlockMask.full(blocks) : ParoMask.select(mass, layout, block, density));
                }
            }
        }
        return b.build();
    }

    static Path write(ParoPlan plan, Path dir, String name) {
        Path file = dir.resolve(name);
        try {
            ParoPlanFile.write(plan, file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
