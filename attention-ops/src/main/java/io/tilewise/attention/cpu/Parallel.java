package io.tilewise.attention.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * Runs {@code count} independent work items on a fixed number of threads. Items are claimed one at a time from a
 * shared counter, so uneven items (sparse rows) balance themselves.
 *
 * <p>Thread count: inside {@link #withThreads} the given count (a generation or a benchmark with {@code --threads
 * N} runs its kernels on N threads, the caller's included, while ONNX Runtime gets the same N: no
 * oversubscription); outside, {@code -Dtilewise.threads} if set, else every available core. The count is scoped to
 * the calling thread, so two generations in one JVM can use different counts at once.
 */
public final class Parallel {

    private static final ScopedValue<Integer> THREADS = ScopedValue.newInstance();
    private static volatile ForkJoinPool pool;

    private Parallel() {
    }

    /** Threads our kernels use on this thread: the {@link #withThreads} count, else the JVM-wide default. */
    public static int threads() {
        return THREADS.isBound() ? THREADS.get() : pool().getParallelism();
    }

    /**
     * Runs {@code body} with our kernels on {@code threads} threads (the caller's included). Kernels prepared inside
     * size their work for that count.
     */
    public static <T> T withThreads(int threads, Supplier<T> body) {
        if (threads < 1) throw new IllegalArgumentException("threads " + threads + " must be >= 1");
        ensurePoolSize(threads - 1);
        return ScopedValue.where(THREADS, threads).call(body::get);
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

    /**
     * Grows the worker pool to at least {@code workers} threads (a count asked for above the default). The old pool
     * is not shut down, since a caller may be about to submit to it; its idle workers end by themselves.
     */
    private static void ensurePoolSize(int workers) {
        if (pool().getParallelism() >= workers) return;
        synchronized (Parallel.class) {
            if (pool.getParallelism() < workers) pool = new ForkJoinPool(workers);
        }
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
