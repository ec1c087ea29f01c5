package io.tilewise.pipeline.onnx;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class NativeHeapTest {

    /** On glibc Linux (these build machines) the trim is found and runs; elsewhere it is a no-op by design. */
    @Test
    void trimIsFoundAndRunsOnGlibc() throws Exception {
        boolean glibc = Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6")) || Files.exists(Path.of("/lib64/libc.so.6"));
        assumeTrue(glibc && System.getProperty("os.name").startsWith("Linux"), "not glibc Linux");
        assertTrue(NativeHeap.available(), "malloc_trim not found in the C library");
        NativeHeap.trim();
        NativeHeap.trim();
    }
}
