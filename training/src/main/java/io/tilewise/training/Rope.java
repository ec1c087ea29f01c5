package io.tilewise.training;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.onnx.RopeTables;

import io.tilewise.pipeline.model.ModelConfig;

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

    /** The inference stages' tables ({@link RopeTables}), as DJL arrays {@code [1, N, 1, hd/2]}. */
    static Rope of(NDManager m, ModelConfig cfg, int frames, int gh, int gw) {
        RopeTables tables = RopeTables.of(new TokenGrid(frames, gh, gw), cfg.ropeAxes(), cfg.ropeTheta());
        Shape shape = new Shape(1, (long) frames * gh * gw, 1, cfg.headDim() / 2);
        return new Rope(m.create(tables.cos(), shape), m.create(tables.sin(), shape));
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
