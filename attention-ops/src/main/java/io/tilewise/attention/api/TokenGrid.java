package io.tilewise.attention.api;

/**
 * The latent token grid after patchify: {@code frames × height × width}. Video tokens are flattened
 * frame-major, then row-major, so token {@code (f, y, x)} has video index {@code (f·height + y)·width + x}.
 */
public record TokenGrid(int frames, int height, int width) {

    public TokenGrid {
        requirePositive("frames", frames);
        requirePositive("height", height);
        requirePositive("width", width);
        if ((long) frames * height * width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("grid " + frames + "x" + height + "x" + width
                    + " has more than " + Integer.MAX_VALUE + " tokens");
        }
    }

    /** A 1-D sequence of {@code length} tokens, for methods that need no geometry. */
    public static TokenGrid sequence(int length) {
        return new TokenGrid(1, 1, length);
    }

    /** Parses {@code F,H,W} or {@code FxHxW}. */
    public static TokenGrid parse(String text) {
        String[] parts = text.trim().split("[,x]");
        if (parts.length != 3) {
            throw new IllegalArgumentException("grid '" + text + "' must be three sizes F,H,W (e.g. 16,32,32)");
        }
        int[] sizes = new int[3];
        for (int i = 0; i < 3; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("grid '" + text + "' has a size that is not an integer: '" + parts[i] + "'");
            }
        }
        return new TokenGrid(sizes[0], sizes[1], sizes[2]);
    }

    public int volume() {
        return frames * height * width;
    }

    /** Size along axis 0 (frames), 1 (height) or 2 (width). */
    public int size(int axis) {
        return switch (axis) {
            case 0 -> frames;
            case 1 -> height;
            case 2 -> width;
            default -> throw new IllegalArgumentException("axis " + axis + " not in 0..2");
        };
    }

    public int tokensPerFrame() {
        return height * width;
    }

    public int index(int frame, int y, int x) {
        return (frame * height + y) * width + x;
    }

    @Override
    public String toString() {
        return frames + "x" + height + "x" + width;
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("grid " + name + " " + value + " must be >= 1");
        }
    }
}
