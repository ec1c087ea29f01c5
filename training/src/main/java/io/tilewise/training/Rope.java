package io.tilewise.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The contract's 3-D RoPE: headDim split into consecutive parts of {@code rope_axes} for (frame, y, x); in a part
 * of size a at offset o, pair j rotates elements (o+2j, o+2j+1) by {@code pos·theta^(−2j/a)}.
 */
final class Rope {

    private final NDArray cos;   // [1, N, 1, hd/2]
    private final NDArray sin;

    private Rope(NDArray cos, NDArray sin) {
        this.cos = cos;
        this.sin = sin;
    }

    /** Angles of every (token, pair) of a grid, tokens frame-major then row-major. */
    static double[] angles(TinyDitConfig cfg, int frames, int gh, int gw) {
        int[] axes = cfg.ropeAxes();
        int pairs = cfg.headDim() / 2;
        int n = frames * gh * gw;
        double[] out = new double[n * pairs];
        for (int f = 0; f < frames; f++) {
            for (int y = 0; y < gh; y++) {
                for (int x = 0; x < gw; x++) {
                    int token = (f * gh + y) * gw + x;
                    int[] pos = {f, y, x};
                    int pair = 0;
                    for (int axis = 0; axis < axes.length; axis++) {
                        int a = axes[axis];
                        for (int j = 0; j < a / 2; j++) {
                            out[token * pairs + pair++] = pos[axis] * Math.pow(cfg.ropeTheta(), -2.0 * j / a);
                        }
                    }
                }
            }
        }
        return out;
    }

    static Rope of(NDManager m, TinyDitConfig cfg, int frames, int gh, int gw) {
        double[] ang = angles(cfg, frames, gh, gw);
        float[] c = new float[ang.length];
        float[] s = new float[ang.length];
        for (int i = 0; i < ang.length; i++) {
            c[i] = (float) Math.cos(ang[i]);
            s[i] = (float) Math.sin(ang[i]);
        }
        Shape shape = new Shape(1, (long) frames * gh * gw, 1, cfg.headDim() / 2);
        return new Rope(m.create(c, shape), m.create(s, shape));
    }

    /** Rotates {@code [B, N, heads, hd]}. */
    NDArray apply(NDArray x) {
        Shape s = x.getShape();
        NDArray pairs = x.reshape(s.get(0), s.get(1), s.get(2), s.get(3) / 2, 2);
        NDArray x0 = pairs.get("..., 0");
        NDArray x1 = pairs.get("..., 1");
        NDArray r0 = x0.mul(cos).sub(x1.mul(sin));
        NDArray r1 = x0.mul(sin).add(x1.mul(cos));
        return NDArrays.stack(new NDList(r0, r1), 4).reshape(s);
    }
}
