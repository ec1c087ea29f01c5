package io.tilewise.pipeline.sweep;

/** A generated video's size in pixels: {@code frames x height x width}, written {@code 16x64x64}. */
public record VideoSize(int frames, int height, int width) {

    public VideoSize {
        if (frames < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("video size " + frames + "x" + height + "x" + width + " must be positive");
        }
    }

    /** Parses {@code FxHxW}, e.g. {@code 16x64x64}. */
    public static VideoSize parse(String text) {
        String[] parts = text.trim().split("x");
        if (parts.length != 3) throw new IllegalArgumentException("size '" + text + "' must be FRAMESxHEIGHTxWIDTH, e.g. 16x64x64");
        try {
            return new VideoSize(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()), Integer.parseInt(parts[2].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size '" + text + "' must be FRAMESxHEIGHTxWIDTH integers, e.g. 16x64x64");
        }
    }

    @Override
    public String toString() {
        return frames + "x" + height + "x" + width;
    }
}
