package io.tilewise.pipeline.testkit;

import java.util.SplittableRandom;

/** Small array helpers for tests: seeded normals, float/double conversion, relative L2. */
public final class Arrays2 {

    private Arrays2() {
    }

    public static float[] normal(long seed, int n, double std) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u1 = Math.max(r.nextDouble(), 1e-300);
            a[i] = (float) (std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * r.nextDouble()));
        }
        return a;
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }

    public static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    /** ‖actual − expected‖ / ‖expected‖. */
    public static double relL2(float[] actual, double[] expected) {
        if (actual.length != expected.length) throw new AssertionError("length " + actual.length + " vs " + expected.length);
        double num = 0, den = 0;
        for (int i = 0; i < actual.length; i++) {
            double diff = actual[i] - expected[i];
            num += diff * diff;
            den += expected[i] * expected[i];
        }
        return Math.sqrt(num / den);
    }
}
