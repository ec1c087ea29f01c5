package io.tilewise.attention.perf;

import io.tilewise.attention.cpu.FlashTile;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Single-thread cost of each FlashTile step (scores, softmax, accumulate) over a row of keys, in thread CPU time,
 * as a fraction of that thread's FMA peak. Usage: {@code TilePartsProbe headDim keys rounds}.
 */
public final class TilePartsProbe {

    public static void main(String[] args) {
        int headDim = Integer.parseInt(args[0]);
        int keys = Integer.parseInt(args[1]);
        int rounds = Integer.parseInt(args[2]);
        SplittableRandom random = new SplittableRandom(1);
        float[] k = new float[keys * headDim];
        float[] v = new float[keys * headDim];
        for (int i = 0; i < k.length; i++) {
            k[i] = (float) random.nextGaussian();
            v[i] = (float) random.nextGaussian();
        }
        FlashTile tile = new FlashTile(headDim);
        for (int i = 0; i < FlashTile.ROWS * headDim; i++) tile.staging()[i] = (float) random.nextGaussian();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        String[] names = {"scores", "softmax", "accumulate", "all"};
        long[][] t = new long[4][rounds];
        double pairFlops = 2.0 * FlashTile.ROWS * keys * headDim;
        for (int warm = 0; warm < 2; warm++) {
            for (int r = 0; r < rounds; r++) {
                for (int part = 0; part < 4; part++) {
                    tile.load(FlashTile.ROWS, 0.125f);
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int rep = 0; rep < 20; rep++) {
                        for (int c = 0; c < keys; c += FlashTile.CHUNK) {
                            int n = Math.min(FlashTile.CHUNK, keys - c);
                            if (part == 0 || part == 3) tile.scores(k, c, n);
                            if (part == 1 || part == 3) tile.softmax(n, false);
                            if (part == 2 || part == 3) tile.accumulate(v, c, n);
                        }
                    }
                    t[part][r] = mx.getCurrentThreadCpuTime() - t0;
                }
            }
        }
        double peak = FmaPeak.singleThread(100_000_000L);
        System.out.printf("headDim %d keys %d, single-thread FMA peak %.1f GFLOP/s%n", headDim, keys, peak);
        for (int part = 0; part < 4; part++) {
            long[] s = t[part].clone();
            Arrays.sort(s);
            double sec = s[rounds / 2] / 1e9 / 20;
            double flops = part == 1 ? 0 : part == 3 ? 2 * pairFlops : pairFlops;
            System.out.printf("%-10s %8.3f ms  %6.1f GFLOP/s (%.1f%% of peak)%n", names[part], sec * 1e3, flops / sec / 1e9,
                    100 * flops / sec / 1e9 / peak);
        }
    }
}
