package io.tilewise.pipeline.onnx;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Gives the C heap's free pages back to the system ({@code malloc_trim(0)} of glibc). ONNX Runtime frees a stage's
 * temporary buffers and the originals of pre-packed weights in the middle of glibc's heap, which keeps them resident:
 * loading Wan2.1-1.3B's 60 sessions left 7.3 GB resident for 5.7 GB of weights, 6.0 GB after a trim. Where the C
 * library has no {@code malloc_trim} (not glibc) this does nothing.
 */
public final class NativeHeap {

    private static final Optional<MethodHandle> TRIM = Linker.nativeLinker().defaultLookup().find("malloc_trim")
            .map(address -> Linker.nativeLinker().downcallHandle(address,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG)));

    private NativeHeap() {
    }

    /** Whether trimming is available here (glibc). */
    public static boolean available() {
        return TRIM.isPresent();
    }

    /**
     * After building many ONNX graphs: their weights passed through the Java heap as arrays (GBs for a real model), so
     * G1 grew the heap to its maximum and keeps it committed (6 GB of a 24 GB machine's default) although almost
     * nothing stays live. A full collection lets it shrink the heap to what is live; then the C heap is trimmed.
     * Costs a fraction of a second; call it once per build, not per run.
     */
    public static void releaseAfterBuild() {
        System.gc();
        trim();
    }

    /** Returns free C heap pages to the system; a no-op without glibc. Costs milliseconds. */
    public static void trim() {
        if (TRIM.isEmpty()) return;
        try {
            int ignored = (int) TRIM.get().invokeExact(0L);
        } catch (Throwable t) {
            throw new IllegalStateException("malloc_trim failed: " + t, t);
        }
    }
}
