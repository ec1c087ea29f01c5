package io.tilewise.attention.piecewise;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small fp32 matrix products of PISA's pre-pass, {@code out[r][e] = scale·Σ_s a(r, s)·b[s][e]} with
 * {@code headDim}-wide rows of b and out, register-blocked: 4 rows × 2 vectors of out stay in registers over the
 * whole inner sum, so each step is 8 FMAs for 2 loads and 4 broadcasts. Per output element the sum runs over
 * {@code s} in order with one FMA per term, starting from zero (scalar tails: multiply, then add), so the blocking
 * changes no bits against the plain loop.
 */
final class BlockProduct {

    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int L = SPECIES.length();

    private BlockProduct() {
    }

    /**
     * @param a      left factor; element (r, s) at {@code aOff + r·aRow + s·aCol}
     * @param rows   rows of out
     * @param inner  length of the sums
     * @param b      right factor; row s at {@code bOff + s·d}
     * @param d      width of b's and out's rows
     * @param out    row r at {@code outOff + r·d}, overwritten
     * @param scale  factor applied to each finished sum
     */
    static void multiply(float[] a, int aOff, int aRow, int aCol, int rows, int inner, float[] b, int bOff, int d,
                         float[] out, int outOff, float scale) {
        int bound = SPECIES.loopBound(d);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int e = 0;
            for (; e + 2 * L <= bound; e += 2 * L) block4x2(a, aOff + r * aRow, aRow, aCol, inner, b, bOff + e, d, out, outOff + r * d + e, scale);
            for (; e < bound; e += L) {
                for (int i = r; i < r + 4; i++) block1x1(a, aOff + i * aRow, aCol, inner, b, bOff + e, d, out, outOff + i * d + e, scale);
            }
            for (int i = r; i < r + 4; i++) scalarTail(a, aOff + i * aRow, aCol, inner, b, bOff, d, bound, out, outOff + i * d, scale);
        }
        for (; r < rows; r++) {
            for (int e = 0; e < bound; e += L) block1x1(a, aOff + r * aRow, aCol, inner, b, bOff + e, d, out, outOff + r * d + e, scale);
            scalarTail(a, aOff + r * aRow, aCol, inner, b, bOff, d, bound, out, outOff + r * d, scale);
        }
    }

    private static void block4x2(float[] a, int a0, int aRow, int aCol, int inner, float[] b, int b0, int d, float[] out,
                                 int o0, float scale) {
        FloatVector c00 = FloatVector.zero(SPECIES), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int s = 0; s < inner; s++) {
            int bs = b0 + s * d;
            FloatVector x0 = FloatVector.fromArray(SPECIES, b, bs);
            FloatVector x1 = FloatVector.fromArray(SPECIES, b, bs + L);
            int as = a0 + s * aCol;
            FloatVector y = FloatVector.broadcast(SPECIES, a[as]);
            c00 = x0.fma(y, c00);
            c01 = x1.fma(y, c01);
            y = FloatVector.broadcast(SPECIES, a[as + aRow]);
            c10 = x0.fma(y, c10);
            c11 = x1.fma(y, c11);
            y = FloatVector.broadcast(SPECIES, a[as + 2 * aRow]);
            c20 = x0.fma(y, c20);
            c21 = x1.fma(y, c21);
            y = FloatVector.broadcast(SPECIES, a[as + 3 * aRow]);
            c30 = x0.fma(y, c30);
            c31 = x1.fma(y, c31);
        }
        c00.mul(scale).intoArray(out, o0);
        c01.mul(scale).intoArray(out, o0 + L);
        c10.mul(scale).intoArray(out, o0 + d);
        c11.mul(scale).intoArray(out, o0 + d + L);
        c20.mul(scale).intoArray(out, o0 + 2 * d);
        c21.mul(scale).intoArray(out, o0 + 2 * d + L);
        c30.mul(scale).intoArray(out, o0 + 3 * d);
        c31.mul(scale).intoArray(out, o0 + 3 * d + L);
    }

    private static void block1x1(float[] a, int a0, int aCol, int inner, float[] b, int b0, int d, float[] out, int o0,
                                 float scale) {
        FloatVector c = FloatVector.zero(SPECIES);
        for (int s = 0; s < inner; s++) {
            c = FloatVector.fromArray(SPECIES, b, b0 + s * d).fma(FloatVector.broadcast(SPECIES, a[a0 + s * aCol]), c);
        }
        c.mul(scale).intoArray(out, o0);
    }

    private static void scalarTail(float[] a, int a0, int aCol, int inner, float[] b, int bOff, int d, int from,
                                   float[] out, int o0, float scale) {
        for (int e = from; e < d; e++) {
            float c = 0;
            for (int s = 0; s < inner; s++) c += a[a0 + s * aCol] * b[bOff + s * d + e];
            out[o0 + e] = c * scale;
        }
    }
}
