package io.tilewise.wan.reference;

/** The one error measure of the Wan tests: relative L2 ‖actual − expected‖₂ / ‖expected‖₂, accumulated in double. */
public final class Errors {

    private Errors() {
    }

    public static double relativeL2(float[] actual, float[] expected) {
        check(actual.length, expected.length);
        double num = 0;
        double den = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = (double) actual[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }

    public static double relativeL2(float[] actual, double[] expected) {
        check(actual.length, expected.length);
        double num = 0;
        double den = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = actual[i] - expected[i];
            num += d * d;
            den += expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }

    public static double relativeL2(double[] actual, float[] expected) {
        check(actual.length, expected.length);
        double num = 0;
        double den = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = actual[i] - expected[i];
            num += d * d;
            den += (double) expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }

    private static void check(int a, int b) {
        if (a != b) throw new IllegalArgumentException("lengths differ: " + a + " vs " + b);
    }
}
