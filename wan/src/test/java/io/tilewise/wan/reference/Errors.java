package io.tilewise.wan.reference;

import java.util.function.IntToDoubleFunction;

/** The one error measure of the Wan tests: relative L2 ‖actual − expected‖₂ / ‖expected‖₂, accumulated in double. */
public final class Errors {

    private Errors() {
    }

    public static double relativeL2(float[] actual, float[] expected) {
        return relativeL2(actual.length, expected.length, i -> actual[i], i -> expected[i]);
    }

    public static double relativeL2(float[] actual, double[] expected) {
        return relativeL2(actual.length, expected.length, i -> actual[i], i -> expected[i]);
    }

    public static double relativeL2(double[] actual, float[] expected) {
        return relativeL2(actual.length, expected.length, i -> actual[i], i -> expected[i]);
    }

    private static double relativeL2(int n, int m, IntToDoubleFunction actual, IntToDoubleFunction expected) {
        if (n != m) throw new IllegalArgumentException("lengths differ: " + n + " vs " + m);
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++) {
            double e = expected.applyAsDouble(i);
            double d = actual.applyAsDouble(i) - e;
            num += d * d;
            den += e * e;
        }
        return Math.sqrt(num / den);
    }
}
