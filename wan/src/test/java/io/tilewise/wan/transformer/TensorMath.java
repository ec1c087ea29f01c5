package io.tilewise.wan.transformer;

/** Error measures of the tests. */
final class TensorMath {

    private TensorMath() {
    }

    /** {@code ||a − b|| / ||b||} in double. */
    static double relativeL2(float[] a, float[] b) {
        if (a.length != b.length) throw new AssertionError("lengths " + a.length + " and " + b.length + " differ");
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
