package io.tilewise.attention.io;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CommandLineStack}: the stack follows the command line; results and exceptions come back to the caller. */
class CommandLineStackTest {

    @Test
    void stackScalesWithTheCommandLine() {
        long length = CommandLineStack.commandLineBytes();
        assertTrue(length > 0, "this JVM's /proc/self/cmdline");
        assertEquals(Math.max(CommandLineStack.MIN_STACK_BYTES, 512 * length), CommandLineStack.stackBytes());
    }

    @Test
    void returnsTheResultAndRethrowsTheException() {
        assertEquals("tilewise-test", CommandLineStack.call("tilewise-test", () -> Thread.currentThread().getName()));
        IllegalArgumentException e = new IllegalArgumentException("bad");
        assertSame(e, assertThrows(IllegalArgumentException.class, () -> CommandLineStack.call("t", () -> {
            throw e;
        })));
        // deep recursion that overflows a default 1 MiB stack (about 100 bytes a frame) but not 64 MiB
        assertEquals(200_000, CommandLineStack.call("deep", () -> depth(200_000)));
    }

    private static int depth(int n) {
        return n == 0 ? 0 : 1 + depth(n - 1);
    }
}
