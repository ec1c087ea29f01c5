package io.tilewise.pipeline.run;

import io.tilewise.pipeline.testkit.ThreadsRecordingKernel;
import io.tilewise.pipeline.family.tiny.TinyDitModel;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.ForwardingSession;
import io.tilewise.attention.cpu.Parallel;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.testkit.CountingKernels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The media-app case (issue 9): several generations in one JVM at once give the bits they give alone, on one
 * pipeline (serialized) and on several pipelines (really in parallel); close() during a generation waits for it,
 * and close() from inside a generation is refused. The JVM survives all of it (the test JVM runs on).
 */
class PipelineConcurrencyTest {

    /** N threads × M generations. */
    private static final int THREADS = 4;
    private static final int PER_THREAD = 3;
    private static final String[] POLICIES = {"dense", "dense@steps<1;radial:decay=0.2", "nonfinite=dense;gna:window=2x3x3"};

    @TempDir
    static Path dir;
    private static Path model;

    @BeforeAll
    static void writeModel() {
        ModelConfig config = TinyModels.small(2);
        model = TinyModels.write(dir.resolve("model"), config, 11);
    }

    private static GenerationRequest request(int i) {
        return GenerationRequest.defaults(TinyModels.small(2), "a red circle moving left").withSize(2, 16, 16)
                .withSteps(2).withGuidance(4.0).withShift(3.0).withSeed(i).withPolicy(POLICIES[i % POLICIES.length]);
    }

    /** What each request gives alone, one after another. */
    private static List<float[]> sequential(Pipeline.Options options) {
        List<float[]> out = new ArrayList<>();
        try (Pipeline p = Pipeline.open(model, options)) {
            for (int i = 0; i < THREADS * PER_THREAD; i++) out.add(p.generate(request(i)).video().rgb());
        }
        return out;
    }

    @Test
    void nThreadsTimesMGenerationsOnOnePipelineAreBitIdentical() throws Exception {
        Pipeline.Options options = new Pipeline.Options(2, null);
        List<float[]> alone = sequential(options);
        try (Pipeline shared = Pipeline.open(model, options);
             ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int i = 0; i < THREADS * PER_THREAD; i++) {
                int r = i;
                futures.add(pool.submit(() -> shared.generate(request(r)).video().rgb()));
            }
            for (int i = 0; i < futures.size(); i++) assertArrayEquals(alone.get(i), futures.get(i).get(), "request " + i);
        }
    }

    /** One pipeline per thread, all generating at the same time (ORT sessions and our kernel pool shared by the JVM). */
    @Test
    void nPipelinesGeneratingAtOnceAreBitIdentical() throws Exception {
        Pipeline.Options options = new Pipeline.Options(2, null);
        List<float[]> alone = sequential(options);
        List<Pipeline> pipelines = new ArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlap = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            for (int t = 0; t < THREADS; t++) pipelines.add(Pipeline.open(model, options));
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<float[]>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Pipeline mine = pipelines.get(t);
                int first = t * PER_THREAD;
                futures.add(pool.submit(() -> {
                    start.await();
                    List<float[]> videos = new ArrayList<>();
                    for (int i = first; i < first + PER_THREAD; i++) {
                        overlap.accumulateAndGet(running.incrementAndGet(), Math::max);
                        videos.add(mine.generate(request(i)).video().rgb());
                        running.decrementAndGet();
                    }
                    return videos;
                }));
            }
            start.countDown();
            for (int t = 0; t < THREADS; t++) {
                List<float[]> videos = futures.get(t).get();
                for (int j = 0; j < PER_THREAD; j++) assertArrayEquals(alone.get(t * PER_THREAD + j), videos.get(j), "thread " + t + " #" + j);
            }
        } finally {
            pipelines.forEach(Pipeline::close);
        }
        assertTrue(overlap.get() > 1, "generations on separate pipelines should overlap; max at once " + overlap.get());
    }

    /** close() while a generation runs waits for it: the generation completes with its normal bits, then work is refused. */
    @Test
    void closeDuringAGenerationWaitsForIt() throws Exception {
        float[] alone = sequential(new Pipeline.Options(1, null)).getFirst();
        Pipeline p = Pipeline.open(model, new Pipeline.Options(1, null));
        CountDownLatch inStep = new CountDownLatch(1);
        CountDownLatch closing = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<float[]> generation = pool.submit(() -> p.generate(request(0), s -> {
                inStep.countDown();
                await(closing);
            }).video().rgb());
            assertTrue(inStep.await(60, TimeUnit.SECONDS), "generation started");
            Thread[] closer = new Thread[1];
            Future<?> close = pool.submit(() -> {
                closer[0] = Thread.currentThread();
                p.close();
            });
            // close() must block on the running generation, not pull its sessions away
            while (closer[0] == null || closer[0].getState() != Thread.State.WAITING) {
                assertTrue(!close.isDone(), "close() returned while a generation was running");
                Thread.onSpinWait();
            }
            closing.countDown();
            assertArrayEquals(alone, generation.get(60, TimeUnit.SECONDS), "the generation finished with its own bits");
            close.get(60, TimeUnit.SECONDS);
        }
        var refused = assertThrows(IllegalStateException.class, () -> p.generate(request(0)));
        assertEquals("pipeline is closed", refused.getMessage());
        p.close(); // idempotent
    }

    /** close() from a step listener (the generation's own thread) is refused; the generation carries on. */
    @Test
    void closeFromInsideAGenerationIsRefused() {
        float[] alone = sequential(new Pipeline.Options(1, null)).getFirst();
        try (Pipeline p = Pipeline.open(model, new Pipeline.Options(1, null))) {
            List<Throwable> refusals = new ArrayList<>();
            float[] video = p.generate(request(0), s -> {
                try {
                    p.close();
                } catch (Throwable t) {
                    refusals.add(t);
                }
            }).video().rgb();
            assertEquals(2, refusals.size(), "one refusal per step");
            assertInstanceOf(IllegalStateException.class, refusals.getFirst());
            assertTrue(refusals.getFirst().getMessage().contains("inside a running generation"), refusals.getFirst().getMessage());
            assertArrayEquals(alone, video);
        }
    }

    /** --threads N reaches ONNX Runtime's sessions and our kernels alike. */
    @Test
    void threadsOptionReachesOrtAndOurKernels() {
        for (int threads : new int[] {1, 3}) {
            List<Integer> seen = java.util.Collections.synchronizedList(new ArrayList<>());
            CountingKernels counting = new CountingKernels();
            try (Pipeline p = Pipeline.open(model, new Pipeline.Options(threads, spec -> {
                var kernel = counting.apply(spec);
                return new ThreadsRecordingKernel(kernel, seen);
            }))) {
                assertEquals(threads, ((TinyDitModel) p.model()).sessions().intraOpThreads());
                p.generate(request(0));
            }
            assertEquals(8, seen.size(), "2 steps x 2 layers x 2 branches");
            assertTrue(seen.stream().allMatch(t -> t == threads), threads + ": " + seen);
        }
        assertEquals(Runtime.getRuntime().availableProcessors(), Parallel.threads(), "outside a generation the default holds");
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
