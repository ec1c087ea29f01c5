package io.tilewise.cli;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tilewise attention} on temp .npy files against the fp64 dense reference. */
class AttentionCommandTest {

    @TempDir
    Path dir;

    @Test
    void fourDimensionalRoundTripEqualsTheReference() throws Exception {
        int b = 2, h = 2, n = 48, d = 16;
        Inputs in = Inputs.write(dir, 11, new int[] {b, h, n, d});
        CliRun run = CliRun.of("attention", "--method", "dense", "--q", in.q(), "--k", in.k(), "--v", in.v(),
                "--out", dir.resolve("o.npy").toString(), "--lse", dir.resolve("lse.npy").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("dense [2, 2, 48, 16]"), run.out());

        NpyArray out = Npy.read(dir.resolve("o.npy"));
        NpyArray lse = Npy.read(dir.resolve("lse.npy"));
        assertArrayEquals(new int[] {b, h, n, d}, out.shape());
        assertArrayEquals(new int[] {b, h, n}, lse.shape());
        float scale = AttentionContext.standalone().scaleFor(d);
        try (Tensor q = in.tensor(0, b, h, n, d); Tensor k = in.tensor(1, b, h, n, d); Tensor v = in.tensor(2, b, h, n, d);
             Tensor expected = q.zerosLike(); Tensor expectedLse = q.lseLike()) {
            DenseReference.forward(q, k, v, scale, expected, expectedLse);
            TensorMetrics m = TensorMetrics.compare(out.data(), expected.toArray());
            assertTrue(m.relL2() <= 1e-4, m::toString);
            TensorMetrics ml = TensorMetrics.compare(lse.data(), expectedLse.toArray());
            assertTrue(ml.relL2() <= 1e-4, ml::toString);
        }
    }

    @Test
    void threeDimensionalInputWithGridScaleAndCompareDense() throws Exception {
        int h = 2, n = 4 + 2 * 3 * 5, d = 8;
        Inputs in = Inputs.write(dir, 5, new int[] {h, n, d});
        CliRun run = CliRun.of("attention", "--method", "ort-mha", "--q", in.q(), "--k", in.k(), "--v", in.v(),
                "--out", dir.resolve("o.npy").toString(), "--grid", "2,3,5", "--text-tokens", "4",
                "--text-placement", "prefix", "--scale", "0.2", "--compare-dense");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("2x3x5+4txt(prefix)") && run.out().contains("relL2"), run.out());

        NpyArray out = Npy.read(dir.resolve("o.npy"));
        assertArrayEquals(new int[] {h, n, d}, out.shape());
        try (Tensor q = in.tensor(0, 1, h, n, d); Tensor k = in.tensor(1, 1, h, n, d); Tensor v = in.tensor(2, 1, h, n, d);
             Tensor expected = q.zerosLike()) {
            DenseReference.forward(q, k, v, 0.2f, expected, null);
            TensorMetrics m = TensorMetrics.compare(out.data(), expected.toArray());
            assertTrue(m.relL2() <= 1e-4, m::toString);
        }
    }

    @Test
    void methodsListsEveryRegisteredMethod() {
        CliRun run = CliRun.of("methods");
        assertEquals(0, run.exitCode(), run.err());
        for (String id : new String[] {"dense", "blocksparse", "ort-mha"}) {
            assertTrue(run.out().lines().anyMatch(l -> l.startsWith(id + " ")), () -> id + " missing in\n" + run.out());
        }
    }

    /** Seeded q, k, v written as .npy files of one shape. */
    record Inputs(Path dir, long seed, int[] shape) {

        static Inputs write(Path dir, long seed, int[] shape) throws Exception {
            Inputs in = new Inputs(dir, seed, shape);
            String[] names = {"q", "k", "v"};
            for (int i = 0; i < 3; i++) {
                Npy.write(dir.resolve(names[i] + ".npy"), new NpyArray(shape, in.values(i)));
            }
            return in;
        }

        float[] values(int which) {
            int count = 1;
            for (int s : shape) count *= s;
            try (Tensor t = Tensor.randomNormal(seed + which, which == 2 ? 1f : 1.5f, 1, 1, 1, count)) {
                return t.toArray();
            }
        }

        Tensor tensor(int which, int b, int h, int n, int d) {
            return Tensor.of(values(which), b, h, n, d);
        }

        String q() { return dir.resolve("q.npy").toString(); }
        String k() { return dir.resolve("k.npy").toString(); }
        String v() { return dir.resolve("v.npy").toString(); }
    }
}
