package io.tilewise.attention.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Runs work on a thread whose stack grows with the length of the process's command line.
 *
 * <p>Why: creating ONNX Runtime's environment ({@code OrtEnvironment.getEnvironment()}, native) recurses about
 * once per byte of the command line ({@code /proc/self/cmdline}: JVM options and program arguments alike).
 * Measured with ORT 1.29.0: a 6,000-character argument overflows the JVM's default 1 MiB thread stack
 * (SIGSEGV, exit 139, no message); a 1.3 MB command line needs between 300 and 400 MiB. Linux caps a command line
 * at a few MiB, so a stack of {@value #BYTES_PER_COMMAND_LINE_BYTE} bytes per command-line byte (about twice the
 * measured need), and at least {@value #MIN_STACK_BYTES}, survives any argument length. The stack is reserved
 * address space; only the pages a deep call touches are backed by memory.
 */
public final class CommandLineStack {

    /** About twice the measured need (under 300 bytes of stack per command-line byte). */
    static final long BYTES_PER_COMMAND_LINE_BYTE = 512;
    static final long MIN_STACK_BYTES = 64L << 20;
    /** When the command line cannot be measured: enough for Linux's largest (ARG_MAX-bounded) command lines. */
    static final long UNKNOWN_STACK_BYTES = 2L << 30;

    private CommandLineStack() {
    }

    /** The stack size for this process: {@value #BYTES_PER_COMMAND_LINE_BYTE} × its command line, at least 64 MiB. */
    public static long stackBytes() {
        long length = commandLineBytes();
        if (length < 0) return UNKNOWN_STACK_BYTES;
        return Math.max(MIN_STACK_BYTES, length * BYTES_PER_COMMAND_LINE_BYTE);
    }

    /**
     * Runs {@code work} on a fresh thread with {@link #stackBytes()} of stack and waits for it; its result or its
     * exception (unchecked, or wrapped in {@link IllegalStateException} when checked) is this call's.
     */
    public static <T> T call(String threadName, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread thread = new Thread(null, task, threadName, stackBytes());
        thread.start();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return task.get();
                } catch (InterruptedException e) {
                    interrupted = true; // the work cannot be abandoned halfway; keep waiting, then restore the flag
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof RuntimeException r) throw r;
                    if (cause instanceof Error err) throw err;
                    throw new IllegalStateException(cause);
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /** Bytes of {@code /proc/self/cmdline}, or -1 where there is none. */
    static long commandLineBytes() {
        Path cmdline = Path.of("/proc/self/cmdline");
        if (!Files.isReadable(cmdline)) return -1;
        try (InputStream in = Files.newInputStream(cmdline)) {
            // A proc file reports size 0; count what it gives (bounded by the kernel's command-line limit).
            long total = 0;
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) total += n;
            return total;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
