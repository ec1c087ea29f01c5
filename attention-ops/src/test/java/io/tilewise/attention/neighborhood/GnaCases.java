package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;

import java.util.SplittableRandom;

/** Seeded random GNA layouts and specs for the tests: odd grid sizes, 1-D/2-D/3-D, optional text. */
final class GnaCases {

    private static final int[] TEXT = {0, 1, 77};

    private GnaCases() {
    }

    /** A 1-D, 2-D or 3-D grid with axes up to {@code maxAxis}, text 0/1/77 tokens as prefix or suffix. */
    static TokenLayout randomLayout(SplittableRandom r, int maxAxis) {
        int dims = 1 + r.nextInt(3);
        int width = 1 + r.nextInt(maxAxis);
        int height = dims >= 2 ? 1 + r.nextInt(maxAxis) : 1;
        int frames = dims >= 3 ? 1 + r.nextInt(Math.max(1, maxAxis / 2)) : 1;
        int text = TEXT[r.nextInt(TEXT.length)];
        TextPlacement placement = text == 0 ? TextPlacement.NONE : r.nextBoolean() ? TextPlacement.PREFIX : TextPlacement.SUFFIX;
        return new TokenLayout(new TokenGrid(frames, height, width), text, placement);
    }

    /** A valid spec for {@code grid}: random window, stride, dilation and causal flags per axis. */
    static GnaSpec randomSpec(SplittableRandom r, TokenGrid grid) {
        int[] window = new int[3], stride = new int[3], dilation = new int[3];
        boolean[] causal = new boolean[3];
        for (int a = 0; a < 3; a++) {
            int length = grid.size(a);
            dilation[a] = r.nextInt(3) == 0 ? 1 + r.nextInt(Math.min(3, length)) : 1;
            window[a] = 1 + r.nextInt(length / dilation[a]);
            stride[a] = 1 + r.nextInt(window[a]);
            causal[a] = r.nextInt(4) == 0;
        }
        return new GnaSpec(window, stride, dilation, causal);
    }
}
