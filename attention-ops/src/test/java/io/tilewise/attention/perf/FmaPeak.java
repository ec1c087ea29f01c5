package io.tilewise.attention.perf;

import io.tilewise.attention.cpu.FlashTile;
import io.tilewise.attention.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Fp32 FMA throughput of the kernel threads right now: a yardstick for noisy shared machines. */
final class FmaPeak {

    private FmaPeak() {
    }

    /** GFLOP/s of {@code iterations} × 12 independent vector FMAs on each of the kernel threads. */
    static double measure(long iterations) {
        int threads = Parallel.threads();
        float[] sink = new float[threads];
        Parallel.forEach(threads, t -> {
            for (int i = 0; i < 200; i++) sink[t] += loop(100_000);
        });
        long t0 = System.nanoTime();
        Parallel.forEach(threads, t -> sink[t] = loop(iterations));
        double seconds = (System.nanoTime() - t0) / 1e9;
        return threads * iterations * 12.0 * FlashTile.LANES * 2 / seconds / 1e9;
    }

    /** GFLOP/s of the calling thread alone. */
    static double singleThread(long iterations) {
        // Many short calls first, so the timed call runs compiled code rather than the interpreter.
        for (int i = 0; i < 200; i++) loop(100_000);
        long t0 = System.nanoTime();
        loop(iterations);
        return iterations * 12.0 * FlashTile.LANES * 2 / ((System.nanoTime() - t0) / 1e9) / 1e9;
    }

    /** FLOPs of one iteration of the peak loop. */
    static final double FLOPS_PER_ITERATION = 12.0 * FlashTile.LANES * 2;

    /** The peak loop alone on the calling thread (time it yourself, e.g. in thread CPU time). */
    static float loopOnly(long iterations) {
        return loop(iterations);
    }

    private static float loop(long iterations) {
        var s = FlashTile.SPECIES;
        FloatVector a0 = FloatVector.broadcast(s, 1f), a1 = a0.add(1f), a2 = a0.add(2f), a3 = a0.add(3f);
        FloatVector a4 = a0.add(4f), a5 = a0.add(5f), a6 = a0.add(6f), a7 = a0.add(7f);
        FloatVector a8 = a0.add(8f), a9 = a0.add(9f), a10 = a0.add(10f), a11 = a0.add(11f);
        FloatVector m = FloatVector.broadcast(s, 0.999999f), c = FloatVector.broadcast(s, 1e-7f);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
