package io.tilewise.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.CountDownLatch;

/**
 * Measures the machine's fp32 FMA peak the way attention uses it: Vector API FMAs at the preferred width, 12
 * independent accumulators per thread (enough to hide FMA latency), one thread per core, no memory traffic.
 * FLOPs = 2 per lane per FMA. This is the denominator for "effective GFLOP/s vs peak".
 */
public final class FmaPeak {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** Result: GFLOP/s over all threads, the threads used and the vector width. */
    public record Result(double gflops, int threads, int lanes, double seconds) {
    }

    private FmaPeak() {
    }

    public static Result measure(int threads, long iterationsPerThread) {
        for (int warm = 0; warm < 3; warm++) run(1, 2_000_000); // let C2 compile the loop
        long start = System.nanoTime();
        float sink = run(threads, iterationsPerThread);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sink == 42.4242f) System.out.print(""); // keep the result alive
        double flops = 2.0 * SPECIES.length() * 12 * iterationsPerThread * threads;
        return new Result(flops / seconds / 1e9, threads, SPECIES.length(), seconds);
    }

    private static float run(int threads, long iterations) {
        float[] results = new float[threads];
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                results[id] = loop(iterations, 1f + id * 1e-7f);
                done.countDown();
            });
            worker.setDaemon(true);
            worker.start();
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring the FMA peak", e);
        }
        float sum = 0;
        for (float r : results) sum += r;
        return sum;
    }

    private static float loop(long iterations, float seed) {
        FloatVector m = FloatVector.broadcast(SPECIES, 0.9999999f);
        FloatVector c = FloatVector.broadcast(SPECIES, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(SPECIES, seed), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3);
        FloatVector a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7);
        FloatVector a8 = a0.add(8), a9 = a0.add(9), a10 = a0.add(10), a11 = a0.add(11);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
