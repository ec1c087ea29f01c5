package io.tilewise.bench;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.backend.BackendChoice;
import io.tilewise.attention.backend.BackendSelector;
import io.tilewise.attention.memory.MemoryLimit;

import java.util.List;

/**
 * One benchmark run: seeded random q/k/v of {@code shape}, every method in {@code methods} (specs such as
 * {@code blocksparse:keep=0.25} or {@code ort-mha}) plus our {@code dense}, {@code warmup} untimed and
 * {@code repeats} timed calls each.
 *
 * @param threads     threads of our kernels and of ORT; 0 keeps the default (every core, or {@code -Dtilewise.threads})
 * @param backend     where our kernels run ({@link BackendSelector}); {@code ort-mha} always runs on ORT's CPU provider
 * @param memoryLimit what the run may plan to use ({@link BenchMemory}); null for {@link MemoryLimit#defaults()}
 */
public record BenchRequest(AttentionShape shape, List<String> methods, int repeats, int warmup, int threads, long seed,
                           BackendChoice backend, MemoryLimit memoryLimit) {

    public static final int MAX_REPEATS = 100_000;

    public BenchRequest {
        if (shape == null) throw new IllegalArgumentException("shape must be given");
        if (methods == null || methods.isEmpty()) throw new IllegalArgumentException("methods must list at least one method spec");
        methods = List.copyOf(methods);
        if (repeats < 1 || repeats > MAX_REPEATS) throw new IllegalArgumentException("repeats " + repeats + " must be in 1.." + MAX_REPEATS);
        if (warmup < 0 || warmup > MAX_REPEATS) throw new IllegalArgumentException("warmup " + warmup + " must be in 0.." + MAX_REPEATS);
        if (backend == null) backend = BackendChoice.cpu();
        if (threads < 0) throw new IllegalArgumentException("threads " + threads + " must be >= 1 (or 0 for the default)");
    }

    /** A request on the CPU backend with the default memory limit. */
    public BenchRequest(AttentionShape shape, List<String> methods, int repeats, int warmup, int threads, long seed) {
        this(shape, methods, repeats, warmup, threads, seed, BackendChoice.cpu(), null);
    }

    /** A request on {@code backend} with the default memory limit. */
    public BenchRequest(AttentionShape shape, List<String> methods, int repeats, int warmup, int threads, long seed,
                        BackendChoice backend) {
        this(shape, methods, repeats, warmup, threads, seed, backend, null);
    }

    /** A request on the CPU backend under {@code memoryLimit}. */
    public BenchRequest(AttentionShape shape, List<String> methods, int repeats, int warmup, int threads, long seed,
                        MemoryLimit memoryLimit) {
        this(shape, methods, repeats, warmup, threads, seed, BackendChoice.cpu(), memoryLimit);
    }
}
