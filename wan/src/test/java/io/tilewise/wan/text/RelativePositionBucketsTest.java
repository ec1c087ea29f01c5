package io.tilewise.wan.text;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Buckets worked out by hand from transformers' rule for umt5's 32 buckets and max distance 128. */
class RelativePositionBucketsTest {

    private static int b(int relative) {
        return RelativePositionBuckets.bucket(relative, 32, 128);
    }

    @Test
    void exactRangeAndDirection() {
        assertEquals(0, b(0));
        assertEquals(7, b(-7));
        assertEquals(16 + 1, b(1));
        assertEquals(16 + 7, b(7));
    }

    @Test
    void logRangeIncludingTheIntegerPowers() {
        // 8 + floor(log(d/8) / log(16) · 8): d = 16, 32, 64 give exactly 2, 4, 6
        assertEquals(8, b(-8));
        assertEquals(9, b(-15));
        assertEquals(10, b(-16));
        assertEquals(12, b(-32));
        assertEquals(14, b(-64));
        assertEquals(16 + 14, b(64));
        assertEquals(15, b(-127));
        assertEquals(15, b(-128));
        assertEquals(16 + 15, b(511));
    }

    @Test
    void matrixIsKeyMinusQuery() {
        long[] m = RelativePositionBuckets.matrix(3, 32, 128);
        assertEquals(b(0), m[0]);
        assertEquals(b(2), m[2]);
        assertEquals(b(-2), m[6]);
    }
}
