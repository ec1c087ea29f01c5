package io.tilewise.attention.cpu;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Parallel#withThreads}: the count kernels see and the concurrency forEach actually uses. */
class ParallelThreadsTest {

    @Test
    void scopedCountIsWhatKernelsSeeAndEndsWithTheScope() {
        int outside = Parallel.threads();
        assertEquals(3, (int) Parallel.withThreads(3, Parallel::threads));
        assertEquals(1, (int) Parallel.withThreads(1, Parallel::threads));
        // above the default pool size too: the pool grows
        int many = Runtime.getRuntime().availableProcessors() + 3;
        assertEquals(many, (int) Parallel.withThreads(many, Parallel::threads));
        assertEquals(outside, Parallel.threads());
        assertThrows(IllegalArgumentException.class, () -> Parallel.withThreads(0, Parallel::threads));
    }

    /** Items that hold a latch until several run at once: with a limit of N, never more than N run together. */
    @Test
    void forEachRunsAtMostTheScopedCountAtOnce() {
        for (int limit : new int[] {1, 2, 3}) {
            AtomicInteger running = new AtomicInteger();
            AtomicInteger peak = new AtomicInteger();
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            CountDownLatch enough = new CountDownLatch(limit);
            Parallel.withThreads(limit, () -> {
                Parallel.forEach(24, i -> {
                    threads.add(Thread.currentThread());
                    peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                    enough.countDown();
                    try {
                        // wait (bounded) until `limit` items overlap, so the peak reaches the limit when allowed
                        enough.await(2, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    running.decrementAndGet();
                });
                return null;
            });
            assertTrue(peak.get() <= limit, "limit " + limit + ": " + peak.get() + " items ran at once");
            assertTrue(threads.size() <= limit, "limit " + limit + ": " + threads.size() + " threads");
            assertEquals(limit, peak.get(), "limit " + limit + " reached");
        }
    }

    /** Two callers with different counts at the same time each see their own. */
    @Test
    void countsAreScopedPerCaller() throws Exception {
        CountDownLatch both = new CountDownLatch(2);
        int[] seen = new int[2];
        Thread a = Thread.ofPlatform().start(() -> seen[0] = Parallel.withThreads(2, () -> await(both)));
        Thread b = Thread.ofPlatform().start(() -> seen[1] = Parallel.withThreads(5, () -> await(both)));
        a.join();
        b.join();
        assertEquals(2, seen[0]);
        assertEquals(5, seen[1]);
    }

    private static int await(CountDownLatch latch) {
        latch.countDown();
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Parallel.threads();
    }
}
