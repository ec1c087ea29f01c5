package io.tilewise.attention.io;

import io.tilewise.attention.tensor.Tensor;

import java.util.Arrays;

/** A float32 array read from or written to a {@code .npy} file. */
public record NpyArray(int[] shape, float[] data) {

    public NpyArray {
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative size");
        }
        long count = valueCount(shape);
        if (count != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + count + " values, got " + data.length);
        }
    }

    /**
     * Values a shape holds, exactly: 0 when any axis is 0, −1 when the product passes {@code Long.MAX_VALUE} (it
     * must not wrap around to a small number that a short file could match).
     */
    static long valueCount(int[] shape) {
        long count = 1;
        for (int s : shape) if (s == 0) return 0;
        for (int s : shape) {
            try {
                count = Math.multiplyExact(count, s);
            } catch (ArithmeticException e) {
                return -1;
            }
        }
        return count;
    }

    public static NpyArray of(Tensor tensor) {
        return new NpyArray(new int[] {tensor.batch(), tensor.heads(), tensor.seqLen(), tensor.headDim()}, tensor.toArray());
    }

    /**
     * As an attention tensor: shape {@code [batch, heads, seqLen, headDim]} or {@code [heads, seqLen, headDim]}
     * (batch 1).
     *
     * @param name used in the error message, e.g. "--q q.npy"
     */
    public Tensor toTensor(String name) {
        int[] s = shape;
        if (s.length == 3) s = new int[] {1, s[0], s[1], s[2]};
        if (s.length != 4) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape)
                    + "; expected [batch, heads, seqLen, headDim] or [heads, seqLen, headDim]");
        }
        for (int v : s) {
            if (v < 1) throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape) + " with an empty axis");
        }
        return Tensor.of(data, s[0], s[1], s[2], s[3]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyArray other && Arrays.equals(shape, other.shape) && Arrays.equals(data, other.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "NpyArray" + Arrays.toString(shape);
    }
}
