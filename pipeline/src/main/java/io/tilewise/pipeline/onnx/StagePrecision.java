package io.tilewise.pipeline.onnx;

import java.util.Locale;

/**
 * The arithmetic of the ORT stages' weight products. {@code fp32}: MatMul on fp32 weights, the model's own numbers
 * (what every exactness test checks). {@code int8}: ONNX Runtime's MatMulNBits with 8-bit weights quantized in blocks
 * of {@link Int8Weights#BLOCK} along the input axis and activations quantized per block at run time (accuracy level
 * 4: integer dot products, VNNI on x86); faster, not exact.
 */
public enum StagePrecision {
    FP32, INT8;

    /** Parses {@code fp32} or {@code int8} (any case); anything else is one line naming the value. */
    public static StagePrecision parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "fp32" -> FP32;
            case "int8" -> INT8;
            default -> throw new IllegalArgumentException("stage precision '" + text + "' is not known; expected fp32 or int8");
        };
    }

    /** What a run's stages line adds: nothing for fp32 (the default), the operator and block size for int8. */
    public String describe() {
        return this == FP32 ? "" : ", " + this + " block weight products (MatMulNBits, blocks of " + Int8Weights.BLOCK + ")";
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
