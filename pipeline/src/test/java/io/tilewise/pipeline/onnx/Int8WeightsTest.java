package io.tilewise.pipeline.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 8-bit block weights: the quantizer against its definition (per row and block of 128 along the input axis, scale
 * max|w| / 127, stored value + 128, padding read as 0), and ONNX Runtime's MatMulNBits on them against an fp64
 * product written here — with the dequantized weights (what the bytes stand for; the rest is activation rounding)
 * and with the original ones.
 */
class Int8WeightsTest {

    @Test
    void everyValueReadsBackWithinHalfAStepOfItsBlock() {
        int out = 5, in = 300;   // 3 blocks, the last one 44 values
        float[] w = random(out * in, 3);
        w[7] = 4f;               // an outlier: only its own block gets the coarse step
        Int8Weights q = Int8Weights.quantize(w, out, in);
        assertEquals(3, q.blocks());
        float[] back = q.dequantized();
        for (int o = 0; o < out; o++) {
            for (int b = 0; b < 3; b++) {
                double max = 0;
                for (int i = b * 128; i < Math.min(in, (b + 1) * 128); i++) max = Math.max(max, Math.abs(w[o * in + i]));
                double scale = max / 127;
                assertEquals(scale, q.scales()[o * 3 + b], 1e-7 * scale, "row " + o + " block " + b);
                for (int i = b * 128; i < Math.min(in, (b + 1) * 128); i++) {
                    assertTrue(Math.abs(back[o * in + i] - w[o * in + i]) <= scale / 2 * (1 + 1e-5), "row " + o + " value " + i);
                }
            }
            for (int j = 44; j < 128; j++) assertEquals(128, q.packed()[(o * 3 + 2) * 128 + j] & 0xff, "padding is the zero point");
        }
        assertTrue(q.scales()[0] > 3.9 * q.scales()[1], "the outlier's block alone is coarse");
    }

    @Test
    void anAllZeroBlockKeepsAUsableScale() {
        Int8Weights q = Int8Weights.quantize(new float[256], 1, 256);
        assertEquals(1f, q.scales()[0]);
        for (float v : q.dequantized()) assertEquals(0f, v);
        assertThrows(IllegalArgumentException.class, () -> Int8Weights.quantize(new float[10], 3, 4));
    }

    @ParameterizedTest
    @CsvSource({"37, 300, 70", "1, 128, 8", "64, 1536, 96"})
    void matMulNBitsMatchesTheFp64ProductOfTheDequantizedWeights(int rows, int in, int out) throws Exception {
        float[] w = random(out * in, 11);
        float[] x = random(rows * in, 12);
        float[] deq = Int8Weights.quantize(w, out, in).dequantized();
        double[] exactDeq = product(x, deq, rows, in, out);
        double[] exact = product(x, w, rows, in, out);
        float[] int8 = run(StagePrecision.INT8, x, w, rows, in, out);
        float[] fp32 = run(StagePrecision.FP32, x, w, rows, in, out);
        double toDequantized = relL2(int8, exactDeq);
        double toExact = relL2(int8, exact);
        assertTrue(toDequantized < 1e-2, "int8 vs the dequantized fp64 product: " + toDequantized);
        assertTrue(toExact < 1.5e-2, "int8 vs the exact fp64 product: " + toExact);
        assertTrue(relL2(fp32, exact) < 1e-6, "fp32 stays exact: " + relL2(fp32, exact));
    }

    private static float[] run(StagePrecision precision, float[] x, float[] w, int rows, int in, int out) throws Exception {
        OnnxGraphBuilder g = new OnnxGraphBuilder("probe", precision);
        String input = g.floatInput("x", "rows", in);
        g.floatOutput("y", g.product(input, g.weight(w, out, in)), "rows", out);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = ModelSessions.baseOptions(1);
             OrtSession s = env.createSession(g.build(), o);
             OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {rows, in});
             OrtSession.Result r = s.run(Map.of("x", t))) {
            FloatBuffer y = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] a = new float[rows * out];
            y.get(a);
            return a;
        }
    }

    private static double[] product(float[] x, float[] w, int rows, int in, int out) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) s += (double) x[r * in + i] * w[o * in + i];
                y[r * out + o] = s;
            }
        }
        return y;
    }

    private static double relL2(float[] got, double[] want) {
        double num = 0, den = 0;
        for (int i = 0; i < got.length; i++) {
            num += (got[i] - want[i]) * (got[i] - want[i]);
            den += want[i] * want[i];
        }
        return Math.sqrt(num / den);
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (r.nextDouble() * 2 - 1);
        return a;
    }
}
