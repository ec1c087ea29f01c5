package io.tilewise.reorder;

/**
 * Per-block symmetric quantization of q or k rows, as PARO's INT8/INT4 QKᵀ uses it: for every block of
 * {@code blockRows} consecutive rows (in the permuted order the kernel runs in), {@code scale = max|x| / qmax}
 * with {@code qmax = 127} (INT8) or {@code 7} (INT4), {@code x → clamp(round(x/scale), −qmax, qmax)·scale}.
 *
 * <p>We apply quantize→dequantize in place and run the fp32 executor on the result. An integer kernel computes
 * {@code Σ qi·ki} exactly and rescales by {@code scale_q·scale_k}; the fp32 product of dequantized values gives the
 * same scores up to fp32 rounding. The Java Vector API has no fast int8 dot product, so on the CPU this models the
 * accuracy of INT8/INT4 attention and costs a little time; it brings no speedup here.
 */
public final class BlockQuantizer {

    private BlockQuantizer() {
    }

    /** Largest quantized magnitude for a bit width (8 → 127, 4 → 7). */
    public static int levels(int bits) {
        return switch (bits) {
            case 8 -> 127;
            case 4 -> 7;
            default -> throw new IllegalArgumentException("bits " + bits + " must be 4 or 8");
        };
    }

    /** Quantizes→dequantizes {@code rows} rows of {@code width} floats of {@code data} in place, per block. */
    public static void roundTrip(float[] data, int rows, int width, int blockRows, int bits) {
        int qmax = levels(bits);
        for (int r0 = 0; r0 < rows; r0 += blockRows) {
            int from = r0 * width;
            int to = Math.min(rows, r0 + blockRows) * width;
            float absMax = 0;
            for (int i = from; i < to; i++) absMax = Math.max(absMax, Math.abs(data[i]));
            if (absMax == 0) continue;
            float scale = absMax / qmax;
            float inv = qmax / absMax;
            for (int i = from; i < to; i++) {
                float level = Math.clamp(Math.round(data[i] * inv), -qmax, qmax);
                data[i] = level * scale;
            }
        }
    }
}
