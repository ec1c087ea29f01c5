package io.tilewise.attention.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vectorised {@code exp} for softmax: Cody–Waite range reduction and the Cephes polynomial (relative error
 * about 2e-7 over the whole range). The Vector API's own exp costs ~13 % of a flash-attention tile and scalar
 * Math.exp ~3× (docs/design.md §6), so the tile uses this.
 *
 * <p>Inputs below −87 (including −∞ from masked scores) give exactly 0, so masked keys contribute nothing.
 */
public final class VectorExp {

    public static final float LOG2E = 1.44269504088896341f;
    public static final float LN2 = 0.693147180559945309f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2²³: adding it rounds to the nearest integer and leaves the integer in the low mantissa bits. */
    private static final float ROUND_MAGIC = 12582912f;
    private static final int ROUND_MAGIC_BITS = 0x4B400000;
    private static final float LOWEST = -87f;
    /** n = −127: the biased exponent of 2ⁿ is 0, so the result is exactly 0. */
    private static final float EXP2_FLUSH = -127f;
    /** Minimax coefficients of 2^f on [−½, ½] (degree 5, constant term 1). */
    private static final float E1 = 6.9314700365e-01f;
    private static final float E2 = 2.4022242427e-01f;
    private static final float E3 = 5.5507339537e-02f;
    private static final float E4 = 9.6715092659e-03f;
    private static final float E5 = 1.3264698209e-03f;
    private static final float HIGHEST = 88f;
    private static final float C5 = 1.9875691500e-4f;
    private static final float C4 = 1.3981999507e-3f;
    private static final float C3 = 8.3334519073e-3f;
    private static final float C2 = 4.1665795894e-2f;
    private static final float C1 = 1.6666665459e-1f;
    private static final float C0 = 5.0000001201e-1f;

    private VectorExp() {
    }

    /**
     * {@code 2^x} for {@code x <= 0} (softmax in base 2, after subtracting the max), the tile's hot path:
     * {@code 2^x = 2^n · 2^f} with {@code n = round(x)}, {@code f ∈ [−½, ½]}, and a degree-5 minimax polynomial
     * for {@code 2^f} (relative error below 2e-7 in fp32). Six multiply-adds, no Cody–Waite split. Inputs are
     * clamped at −127, where the biased exponent of {@code 2^n} is 0, so −∞ and anything below about −126.5 give
     * exactly 0 without a final compare and blend.
     */
    public static FloatVector exp2NonPositive(FloatVector x) {
        // Compare and blend, not max(): the Vector API's max has Java's NaN/−0 semantics, ~6 instructions on x86.
        FloatVector xc = x.blend(EXP2_FLUSH, x.lt(EXP2_FLUSH));
        FloatVector t = xc.add(ROUND_MAGIC);
        FloatVector f = xc.sub(t.sub(ROUND_MAGIC));
        FloatVector p = f.fma(E5, E4);
        p = p.fma(f, f.broadcast(E3));
        p = p.fma(f, f.broadcast(E2));
        p = p.fma(f, f.broadcast(E1));
        p = p.fma(f, f.broadcast(1f));
        // t's low mantissa bits hold n (two's complement); shifting drops the magic number's bits entirely.
        IntVector bits = ((IntVector) t.reinterpretAsInts()).lanewise(VectorOperators.LSHL, 23).add(127 << 23);
        return p.mul(bits.reinterpretAsFloats());
    }

    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(LOWEST).min(HIGHEST);
        FloatVector t = xc.fma(LOG2E, ROUND_MAGIC);
        FloatVector n = t.sub(ROUND_MAGIC);
        FloatVector r = n.fma(n.broadcast(-LN2_HI), xc);
        r = n.fma(n.broadcast(-LN2_LO), r);
        FloatVector p = r.fma(C5, C4);
        p = p.fma(r, r.broadcast(C3));
        p = p.fma(r, r.broadcast(C2));
        p = p.fma(r, r.broadcast(C1));
        p = p.fma(r, r.broadcast(C0));
        FloatVector r2 = r.mul(r);
        p = p.fma(r2, r).add(1f);
        IntVector bits = ((IntVector) t.reinterpretAsInts()).sub(ROUND_MAGIC_BITS).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector result = p.mul(bits.reinterpretAsFloats());
        return result.blend(0f, x.lt(LOWEST));
    }
}
