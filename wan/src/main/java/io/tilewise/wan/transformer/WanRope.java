package io.tilewise.wan.transformer;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.onnx.RopeTables;

/**
 * Wan's 3-D rotary position embedding (diffusers' {@code WanRotaryPosEmbed}): the head dim is split into (frame,
 * height, width) parts of {@code hd − 2·h, h, h} channels with {@code h = 2·(hd / 6)}; in a part of {@code a}
 * channels, consecutive channel pair {@code j} rotates by {@code pos · 10000^(−2j/a)} (angles in double, then float,
 * as diffusers' float64 tables). The tables are the project's {@link RopeTables} with those parts.
 */
public final class WanRope {

    public static final double THETA = 10000.0;

    private WanRope() {
    }

    /**
     * The {@code cos, sin [tokens, hd/2]} tables of {@code grid}.
     *
     * @throws IllegalArgumentException when an axis of the grid is longer than {@code rope_max_seq_len} (diffusers'
     *                                  precomputed table would not cover it)
     */
    public static RopeTables tables(WanConfig config, TokenGrid grid) {
        int max = config.ropeMaxSeqLen();
        if (grid.frames() > max || grid.height() > max || grid.width() > max) {
            throw new IllegalArgumentException("token grid " + grid.frames() + "x" + grid.height() + "x" + grid.width()
                    + " has an axis longer than rope_max_seq_len " + max);
        }
        return RopeTables.of(grid, config.ropeAxes(), THETA);
    }
}
