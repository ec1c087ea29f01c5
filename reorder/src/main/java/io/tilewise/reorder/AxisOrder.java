package io.tilewise.reorder;

import io.tilewise.attention.api.TokenGrid;

/**
 * One of the six orders in which PARO flattens the video grid (frames, height, width), written outermost axis
 * first: {@code HWF} walks height slowest and frames fastest. {@link #FHW} is the model's own order (frame-major,
 * then row-major), i.e. the identity. The {@link #id()} is the stable number stored in plan files.
 */
public enum AxisOrder {
    FHW(0, 1, 2),
    FWH(0, 2, 1),
    HFW(1, 0, 2),
    HWF(1, 2, 0),
    WFH(2, 0, 1),
    WHF(2, 1, 0);

    private static final AxisOrder[] BY_ID = values();

    /** Grid axes (0 frames, 1 height, 2 width), outermost first. */
    private final int[] axes;

    AxisOrder(int outer, int middle, int inner) {
        this.axes = new int[] {outer, middle, inner};
    }

    /** Stable id 0..5 (the declaration order above); plan files store it. */
    public int id() {
        return ordinal();
    }

    public static AxisOrder ofId(int id) {
        if (id < 0 || id >= BY_ID.length) throw new IllegalArgumentException("axis order id " + id + " not in 0..5");
        return BY_ID[id];
    }

    /** Parses a name such as {@code hwf} (case-insensitive). */
    public static AxisOrder parse(String name) {
        for (AxisOrder o : BY_ID) {
            if (o.name().equalsIgnoreCase(name.trim())) return o;
        }
        throw new IllegalArgumentException("axis order '" + name + "' is not one of FHW, FWH, HFW, HWF, WFH, WHF");
    }

    /** Grid axis at position {@code slot} (0 = outermost). */
    public int axis(int slot) {
        return axes[slot];
    }

    public boolean isIdentity() {
        return this == FHW;
    }

    /**
     * Index of video token {@code (frame, y, x)} when the grid is flattened in this order; a bijection of
     * {@code 0..volume-1}.
     */
    public int flatIndex(TokenGrid grid, int frame, int y, int x) {
        int[] coord = {frame, y, x};
        int a = axes[0], b = axes[1], c = axes[2];
        return (coord[a] * grid.size(b) + coord[b]) * grid.size(c) + coord[c];
    }
}
