package io.tilewise.attention.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryLimitTest {

    @Test
    void sizesInBinaryUnits() {
        assertEquals(4L << 30, MemoryLimit.parseSize("4g", "x"));
        assertEquals(4L << 30, MemoryLimit.parseSize("4GiB", "x"));
        assertEquals(4L << 30, MemoryLimit.parseSize(" 4 GB ", "x"));
        assertEquals(512L << 20, MemoryLimit.parseSize("512m", "x"));
        assertEquals(3L << 29, MemoryLimit.parseSize("1.5g", "x"));
        assertEquals(100L << 10, MemoryLimit.parseSize("100k", "x"));
        assertEquals(12345, MemoryLimit.parseSize("12345", "x"));
        for (String bad : new String[] {"", "g", "-1g", "4x", "1e9", "0", "0.5", "99999999t", "NaN"}) {
            String message = assertThrows(IllegalArgumentException.class, () -> MemoryLimit.parseSize(bad, "--memory-limit"),
                    bad).getMessage();
            assertTrue(message.startsWith("--memory-limit '" + bad + "'"), message);
        }
    }

    @Test
    void overTheLimitIsOneLineNamingEstimateAndLimit() {
        MemoryEstimate e = MemoryEstimate.builder("generation of 9 frames")
                .floats("ORT buffers", 1 << 20, 300).add("video", 5L << 20).floats("ORT buffers", 1 << 20).build();
        assertEquals(301L * 4 * (1 << 20) + (5L << 20), e.totalBytes());
        MemoryLimit limit = MemoryLimit.of("1g", "--memory-limit");
        MemoryLimitException ex = assertThrows(MemoryLimitException.class, () -> limit.check(e));
        assertEquals("generation of 9 frames needs an estimated 1.2 GiB (ORT buffers 1.2 GiB, video 5.0 MiB), over the "
                + "memory limit of 1.0 GiB (--memory-limit); make it smaller or raise the limit with --memory-limit", ex.getMessage());
        assertDoesNotThrow(() -> MemoryLimit.of("2g", "--memory-limit").check(e));
    }

    @Test
    void sizesFromFilesSaturateInsteadOfWrapping() {
        MemoryEstimate e = MemoryEstimate.builder("huge").floats("a", 1L << 40, 1L << 40).add("b", Long.MAX_VALUE).build();
        assertEquals(Long.MAX_VALUE, e.totalBytes());
        assertThrows(MemoryLimitException.class, () -> MemoryLimit.of("1t", "x").check(e));
    }

    @Test
    void defaultIsHeapShareAndOffHeapBudgetOrTheProperty() {
        MemoryLimit d = MemoryLimit.defaults();
        assertTrue(d.bytes() >= Runtime.getRuntime().maxMemory() / 2, d.toString());
        assertTrue(d.source().startsWith("default"), d.source());
        String old = System.getProperty("tilewise.memory.limit");
        System.setProperty("tilewise.memory.limit", "3g");
        try {
            assertEquals(3L << 30, MemoryLimit.defaults().bytes());
            assertEquals("-Dtilewise.memory.limit", MemoryLimit.defaults().source());
        } finally {
            if (old == null) System.clearProperty("tilewise.memory.limit");
            else System.setProperty("tilewise.memory.limit", old);
        }
    }
}
