package io.tilewise.attention.metrics;

import io.tilewise.attention.tensor.Tensor;

/** Error of a result against a reference: relative L2, cosine similarity, max absolute error. */
public record TensorMetrics(double relL2, double cosine, double maxAbs) {

    public static TensorMetrics compare(Tensor actual, Tensor expected) {
        actual.requireSameShape(expected, "actual");
        return compare(actual.toArray(), expected.toArray());
    }

    public static TensorMetrics compare(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException("lengths differ: " + actual.length + " vs " + expected.length);
        }
        double diff2 = 0, ref2 = 0, act2 = 0, dot = 0, maxAbs = 0;
        for (int i = 0; i < actual.length; i++) {
            double a = actual[i];
            double e = expected[i];
            double d = a - e;
            diff2 += d * d;
            ref2 += e * e;
            act2 += a * a;
            dot += a * e;
            maxAbs = Math.max(maxAbs, Math.abs(d));
            if (Double.isNaN(d)) maxAbs = Double.NaN;
        }
        double relL2 = ref2 == 0 ? Math.sqrt(diff2) : Math.sqrt(diff2 / ref2);
        double cosine = (ref2 == 0 || act2 == 0) ? (ref2 == act2 ? 1 : 0) : dot / Math.sqrt(ref2 * act2);
        return new TensorMetrics(relL2, cosine, maxAbs);
    }

    @Override
    public String toString() {
        return String.format("relL2 %.3e, cosine %.6f, maxAbs %.3e", relL2, cosine, maxAbs);
    }
}
