package io.tilewise.attention.api;

/**
 * Token layout of one self-attention sequence: a video grid plus {@code textTokens} text tokens placed
 * before or after it. {@code seqLen = textTokens + frames·height·width}.
 */
public record TokenLayout(TokenGrid grid, int textTokens, TextPlacement placement) {

    public TokenLayout {
        if (grid == null) {
            throw new IllegalArgumentException("grid must be given");
        }
        if (placement == null) {
            placement = TextPlacement.NONE;
        }
        if (textTokens < 0) {
            throw new IllegalArgumentException("text tokens " + textTokens + " must be >= 0");
        }
        if (textTokens > 0 && placement == TextPlacement.NONE) {
            throw new IllegalArgumentException("text tokens " + textTokens + " need a text placement (prefix or suffix), not none");
        }
        if (textTokens == 0) {
            placement = TextPlacement.NONE;
        }
        if ((long) grid.volume() + textTokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence of " + ((long) grid.volume() + textTokens) + " tokens is too long");
        }
    }

    /** Video-only layout. */
    public static TokenLayout video(TokenGrid grid) {
        return new TokenLayout(grid, 0, TextPlacement.NONE);
    }

    /** A plain 1-D sequence without text. */
    public static TokenLayout sequence(int seqLen) {
        return video(TokenGrid.sequence(seqLen));
    }

    public int seqLen() {
        return textTokens + grid.volume();
    }

    public int videoTokens() {
        return grid.volume();
    }

    /** Sequence position of the first video token. */
    public int videoStart() {
        return placement == TextPlacement.PREFIX ? textTokens : 0;
    }

    /** Sequence position of the first text token (equal to seqLen() when there is no text). */
    public int textStart() {
        return switch (placement) {
            case PREFIX -> 0;
            case SUFFIX -> grid.volume();
            case NONE -> seqLen();
        };
    }

    public boolean isText(int token) {
        int start = textStart();
        return token >= start && token < start + textTokens;
    }

    /** Sequence position of video token {@code (frame, y, x)}. */
    public int videoIndex(int frame, int y, int x) {
        return videoStart() + grid.index(frame, y, x);
    }

    /**
     * Grid coordinates {@code (frame, y, x)} of the video token at sequence position {@code token};
     * undefined for text tokens.
     */
    public int[] coords(int token) {
        int v = token - videoStart();
        int x = v % grid.width();
        int rest = v / grid.width();
        return new int[] {rest / grid.height(), rest % grid.height(), x};
    }

    @Override
    public String toString() {
        return textTokens == 0 ? grid.toString() : grid + "+" + textTokens + "txt(" + placement + ")";
    }

    /**
     * The token order that makes boxes of the grid contiguous: {@code order[p]} is the layout position of the
     * {@code p}-th token when video tokens are listed box by box (boxes frame-major, then row-major; frame-major and
     * row-major inside a box; boxes at the grid's far edges are cut short) and text tokens come after all video
     * tokens. Text goes last even for a prefix layout so that the boxes start at position 0 and line up with a
     * plan's tiles whatever the text length.
     *
     * @param box (frames, height, width) of one box, each >= 1
     */
    public int[] boxOrder(int[] box) {
        if (box == null || box.length != 3 || box[0] < 1 || box[1] < 1 || box[2] < 1) {
            throw new IllegalArgumentException("box " + java.util.Arrays.toString(box) + " must be 3 sizes >= 1");
        }
        int[] order = new int[seqLen()];
        int p = 0;
        for (int f0 = 0; f0 < grid.frames(); f0 += box[0]) {
            for (int y0 = 0; y0 < grid.height(); y0 += box[1]) {
                for (int x0 = 0; x0 < grid.width(); x0 += box[2]) {
                    int f1 = Math.min(f0 + box[0], grid.frames());
                    int y1 = Math.min(y0 + box[1], grid.height());
                    int x1 = Math.min(x0 + box[2], grid.width());
                    for (int f = f0; f < f1; f++) {
                        for (int y = y0; y < y1; y++) {
                            for (int x = x0; x < x1; x++) order[p++] = videoIndex(f, y, x);
                        }
                    }
                }
            }
        }
        for (int t = 0; t < textTokens; t++) order[p++] = textStart() + t;
        return order;
    }
}
