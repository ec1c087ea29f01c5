package io.tilewise.attention.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Runs {@code count} independent work items on a fixed number of threads. Items are claimed one at a time from a
 * shared counter, so uneven items (sparse rows) balance themselves.
 */
public final class Parallel {

    private static volatile ForkJoinPool pool;

    private Parallel() {
    }

    /** Threads our kernels use: {@code tilewise.threads} if set, else every available core. */
    public static int threads() {
        return pool().getParallelism();
    }

    public static void forEach(int count, IntConsumer body) {
        int threads = Math.min(threads(), count);
        if (threads <= 1) {
            for (int i = 0; i < count; i++) body.accept(i);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) body.accept(i);
        };
        ForkJoinPool p = pool();
        var tasks = new java.util.ArrayList<java.util.concurrent.ForkJoinTask<?>>(threads - 1);
        for (int t = 1; t < threads; t++) tasks.add(p.submit(worker));
        worker.run();
        for (var task : tasks) task.join();
    }

    private static ForkJoinPool pool() {
        ForkJoinPool p = pool;
        if (p == null) {
            synchronized (Parallel.class) {
                p = pool;
                if (p == null) {
                    p = new ForkJoinPool(configuredThreads());
                    pool = p;
                }
            }
        }
        return p;
    }

    private static int configuredThreads() {
        String value = System.getProperty("tilewise.threads");
        int cores = Runtime.getRuntime().availableProcessors();
        if (value == null || value.isBlank()) return cores;
        try {
            int threads = Integer.parseInt(value.trim());
            if (threads >= 1) return threads;
        } catch (NumberFormatException ignored) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("tilewise.threads '" + value + "' must be an integer >= 1");
    }
}
