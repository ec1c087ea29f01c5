package io.tilewise.pipeline.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The safetensors element types Tilewise reads. Every one is widened to fp32 on read (BF16 and F16 exactly: both are
 * subsets of fp32), so the stages always compute in fp32 whatever the checkpoint stores.
 */
public enum SafetensorsDtype {
    F32(4),
    BF16(2),
    F16(2);

    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int bytes;

    SafetensorsDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element in the file. */
    public int bytes() {
        return bytes;
    }

    /** The dtype named {@code name} in a header, or {@code null} when Tilewise does not read it. */
    public static SafetensorsDtype parse(String name) {
        for (SafetensorsDtype d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }

    /** The names accepted by {@link #parse}, for error messages. */
    public static String supported() {
        return "F32, BF16 or F16";
    }

    /**
     * Widens {@code count} little-endian elements of {@code src} starting at element {@code srcIndex} into
     * {@code dst[dstIndex..]}.
     */
    public void decode(MemorySegment src, long srcIndex, float[] dst, int dstIndex, int count) {
        switch (this) {
            case F32 -> MemorySegment.copy(src, FLOAT_LE, srcIndex * 4, dst, dstIndex, count);
            case BF16 -> {
                // bf16 is the upper half of an fp32: shifting the bits back is exact.
                for (int i = 0; i < count; i++) {
                    int bits = src.get(SHORT_LE, (srcIndex + i) * 2) & 0xFFFF;
                    dst[dstIndex + i] = Float.intBitsToFloat(bits << 16);
                }
            }
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst[dstIndex + i] = Float.float16ToFloat(src.get(SHORT_LE, (srcIndex + i) * 2));
                }
            }
        }
    }

    /**
     * The element nearest {@code value} in this dtype, as stored bits (round to nearest, ties to even; NaN stays NaN).
     * Used by writers of reduced-precision fixtures.
     */
    public int encode(float value) {
        return switch (this) {
            case F32 -> Float.floatToRawIntBits(value);
            case F16 -> Float.floatToFloat16(value) & 0xFFFF;
            case BF16 -> {
                int bits = Float.floatToRawIntBits(value);
                if (Float.isNaN(value)) yield (bits >>> 16) | 0x40; // keep it a (quiet) NaN after truncation
                int roundingBias = 0x7FFF + ((bits >>> 16) & 1);
                yield ((bits + roundingBias) >>> 16) & 0xFFFF;
            }
        };
    }
}
