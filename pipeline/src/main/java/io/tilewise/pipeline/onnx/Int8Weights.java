package io.tilewise.pipeline.onnx;

/**
 * A PyTorch {@code [out, in]} weight in the layout of ONNX Runtime's MatMulNBits at 8 bits: per output row, blocks
 * of {@link #BLOCK} values along the input axis (the last one zero-padded), each with one fp32 scale
 * {@code max|w| / 127}; a value is stored as {@code round(w / scale) + 128} (the operator's default zero point), so
 * it reads back as {@code (q − 128) · scale}.
 *
 * @param packed {@code [out, blocks, BLOCK]} unsigned bytes
 * @param scales {@code [out · blocks]}
 */
public record Int8Weights(byte[] packed, float[] scales, int out, int in) {

    /**
     * Values per scale. At Wan's shapes (2 cores, Zen 4) MatMulNBits ran 1.4–1.6× faster than fp32 MatMul with blocks
     * of 32, 1.75× with 64, 1.9–2.2× with 128 and 2.1× with 256, at the same error on random weights; 128 keeps an
     * outlier's rounding to a short block for nearly all of the speed.
     */
    public static final int BLOCK = 128;

    public int blocks() {
        return (in + BLOCK - 1) / BLOCK;
    }

    public static Int8Weights quantize(float[] weight, int out, int in) {
        if (weight.length != (long) out * in) throw new IllegalArgumentException(weight.length + " values for [" + out + ", " + in + "]");
        int blocks = (in + BLOCK - 1) / BLOCK;
        byte[] packed = new byte[out * blocks * BLOCK];
        java.util.Arrays.fill(packed, (byte) 128);
        float[] scales = new float[out * blocks];
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < blocks; b++) {
                int from = o * in + b * BLOCK;
                int to = o * in + Math.min(in, (b + 1) * BLOCK);
                float max = 0;
                for (int i = from; i < to; i++) max = Math.max(max, Math.abs(weight[i]));
                float scale = max == 0 ? 1 : max / 127;
                scales[o * blocks + b] = scale;
                int base = (o * blocks + b) * BLOCK;
                for (int i = from; i < to; i++) {
                    int q = Math.round(weight[i] / scale);
                    packed[base + i - from] = (byte) (Math.max(-127, Math.min(127, q)) + 128);
                }
            }
        }
        return new Int8Weights(packed, scales, out, in);
    }

    /** The weight the packed bytes stand for, {@code [out, in]}. */
    public float[] dequantized() {
        float[] w = new float[out * in];
        int blocks = blocks();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                int b = i / BLOCK;
                int q = (packed[(o * blocks + b) * BLOCK + i % BLOCK] & 0xff) - 128;
                w[o * in + i] = q * scales[o * blocks + b];
            }
        }
        return w;
    }
}
