package io.tilewise.pipeline.model;

import io.tilewise.pipeline.testkit.Arrays2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * BF16 and F16 tensors: the writer rounds to the nearest representable value (ties to even) and the reader widens
 * the stored bits exactly. Both are checked against conversions written here in double arithmetic from the formats'
 * definitions (sign · 2^(e − bias) · (1 + m / 2^mbits), subnormals at the lowest exponent), not against the bit
 * tricks the code uses.
 */
class SafetensorsReducedPrecisionTest {

    @TempDir
    Path dir;

    private static final float[] EDGE_CASES = {
            0f, -0f, 1f, -1f, 1f + 0x1p-8f /* bf16 tie → even (1) */, 1f + 3 * 0x1p-8f /* bf16 tie → even up */,
            1f + 0x1p-11f /* f16 tie → 1 */, 1f + 3 * 0x1p-11f, 65504f, 70000f, 1e-7f, -3e-5f, 6.1e-5f, 0x1p-24f,
            3.3895314e38f, 1e-40f, 123.456f, -0.1f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};

    @Test
    void bf16RoundsToNearestEvenAndReadsBackExactly() throws IOException {
        float[] values = values();
        Path file = dir.resolve("bf16.safetensors");
        new SafetensorsWriter().add("w", new long[] {values.length}, values, SafetensorsDtype.BF16).write(file);
        short[] stored = storedShorts(file, values.length);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertEquals(SafetensorsDtype.BF16, st.dtype("w"));
            float[] read = st.floats("w");
            for (int i = 0; i < values.length; i++) {
                double expected = nearest(values[i], BF16_TABLE);
                assertEquals(expected, decode(stored[i], 8, 7, 127), 0.0, "stored bits of " + values[i]);
                assertEquals(expected, read[i], 0.0, "bf16 of " + values[i]);
            }
        }
    }

    @Test
    void f16RoundsToNearestEvenAndReadsBackExactly() throws IOException {
        float[] values = values();
        Path file = dir.resolve("f16.safetensors");
        new SafetensorsWriter().add("w", new long[] {values.length}, values, SafetensorsDtype.F16).write(file);
        short[] stored = storedShorts(file, values.length);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            float[] read = new float[values.length + 3];
            assertEquals(values.length, st.floats("w", read, 3));
            for (int i = 0; i < values.length; i++) {
                double expected = nearest(values[i], F16_TABLE);
                assertEquals(expected, decode(stored[i], 5, 10, 15), 0.0, "stored bits of " + values[i]);
                assertEquals(expected, read[3 + i], 0.0, "f16 of " + values[i]);
            }
        }
    }

    @Test
    void tensorsOfMixedDtypesShareOneMappedFile() {
        float[] a = Arrays2.normal(3, 6, 1);
        float[] b = Arrays2.normal(4, 5, 1);
        float[] c = Arrays2.normal(5, 7, 1);
        Path file = dir.resolve("mixed.safetensors");
        new SafetensorsWriter().add("a", new long[] {2, 3}, a, SafetensorsDtype.BF16).add("b", new long[] {5}, b)
                .add("c", new long[] {7}, c, SafetensorsDtype.F16).write(file);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertTrue(st.segment("b").isMapped(), "the data section is memory-mapped, not read into the heap");
            assertEquals(12, st.segment("a").byteSize());
            assertEquals(14, st.segment("c").byteSize());
            assertEquals(Arrays.toString(b), Arrays.toString(st.floats("b")));
            for (int i = 0; i < a.length; i++) assertEquals(nearest(a[i], BF16_TABLE), st.floats("a")[i], 0.0);
            for (int i = 0; i < c.length; i++) assertEquals(nearest(c[i], F16_TABLE), st.floats("c")[i], 0.0);
        }
    }

    private static float[] values() {
        float[] random = Arrays2.normal(11, 500, 3);
        float[] out = Arrays.copyOf(EDGE_CASES, EDGE_CASES.length + random.length);
        System.arraycopy(random, 0, out, EDGE_CASES.length, random.length);
        return out;
    }

    private short[] storedShorts(Path file, int count) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + header), count * 2).order(ByteOrder.LITTLE_ENDIAN);
        short[] out = new short[count];
        for (int i = 0; i < count; i++) out[i] = data.getShort();
        return out;
    }

    /** Value of a binary float with {@code e} exponent bits and {@code m} mantissa bits, from the definition. */
    private static double decode(short raw, int e, int m, int bias) {
        int bits = raw & 0xFFFF;
        int sign = bits >>> (e + m);
        int exponent = (bits >>> m) & ((1 << e) - 1);
        int mantissa = bits & ((1 << m) - 1);
        double s = sign == 1 ? -1 : 1;
        if (exponent == (1 << e) - 1) return mantissa == 0 ? s * Double.POSITIVE_INFINITY : Double.NaN;
        if (exponent == 0) return s * Math.scalb((double) mantissa / (1 << m), 1 - bias);
        return s * Math.scalb(1 + (double) mantissa / (1 << m), exponent - bias);
    }

    private static final double[] BF16_TABLE = table(8, 7, 127);
    private static final double[] F16_TABLE = table(5, 10, 15);

    /** Every finite non-negative value of the format, ascending, with its bit pattern's evenness alongside. */
    private static double[] table(int e, int m, int bias) {
        int count = 1 << (e + m);
        double[] out = new double[count];
        int n = 0;
        for (int bits = 0; bits < count; bits++) {
            double v = decode((short) bits, e, m, bias);
            if (Double.isFinite(v)) out[n++] = v;
        }
        return Arrays.copyOf(out, n); // patterns increase with value, so this is sorted; index parity = mantissa parity
    }

    /**
     * Round to nearest, ties to the even pattern; beyond the largest finite value by half an ulp or more the result
     * is infinite (IEEE overflow).
     */
    private static double nearest(float value, double[] table) {
        double x = Math.abs((double) value);
        double sign = Math.copySign(1.0, value);
        if (Double.isInfinite(x)) return sign * x;
        int last = table.length - 1;
        double halfUlpPastMax = table[last] + (table[last] - table[last - 1]) / 2;
        if (x >= halfUlpPastMax) return sign * Double.POSITIVE_INFINITY;
        if (x >= table[last]) return sign * table[last];
        int i = Arrays.binarySearch(table, x);
        if (i >= 0) return sign * table[i];
        int hi = -i - 1;
        int lo = hi - 1;
        double dLo = x - table[lo];
        double dHi = table[hi] - x;
        int pick = dLo < dHi ? lo : dHi < dLo ? hi : (lo % 2 == 0 ? lo : hi);
        return sign * table[pick];
    }
}
