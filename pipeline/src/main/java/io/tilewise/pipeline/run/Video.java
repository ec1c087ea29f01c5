package io.tilewise.pipeline.run;

/**
 * Generated RGB frames: {@code rgb} is {@code [frames][height][width][3]} flattened, values in [0, 1]
 * (the model's [-1, 1] output, clipped, mapped by (x + 1)/2).
 */
public record Video(int frames, int height, int width, float[] rgb) {

    public Video {
        if ((long) frames * height * width * 3 != rgb.length) {
            throw new IllegalArgumentException("rgb has " + rgb.length + " values, expected " + frames + "·" + height + "·" + width + "·3");
        }
    }

    public float get(int frame, int y, int x, int channel) {
        return rgb[((frame * height + y) * width + x) * 3 + channel];
    }

    /** One frame as 8-bit RGB, row-major {@code [height][width][3]}. */
    public byte[] frameBytes(int frame) {
        if (frame < 0 || frame >= frames) throw new IllegalArgumentException("frame " + frame + " not in 0.." + (frames - 1));
        byte[] out = new byte[height * width * 3];
        int base = frame * height * width * 3;
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Math.round(Math.clamp(rgb[base + i], 0f, 1f) * 255f);
        }
        return out;
    }

    /** Largest {@link #upscaled} factor. */
    public static final int MAX_SCALE = 16;

    /**
     * Each pixel repeated {@code factor × factor} times (nearest neighbour): tiny models make tiny frames, and
     * viewers smooth small images when they enlarge them.
     */
    public Video upscaled(int factor) {
        if (factor < 1 || factor > MAX_SCALE) throw new IllegalArgumentException("scale " + factor + " must be in 1.." + MAX_SCALE);
        if (factor == 1) return this;
        int h = height * factor, w = width * factor;
        float[] out = new float[frames * h * w * 3];
        for (int f = 0; f < frames; f++) {
            for (int y = 0; y < h; y++) {
                int src = (f * height + y / factor) * width * 3;
                int dst = (f * h + y) * w * 3;
                for (int x = 0; x < w; x++) System.arraycopy(rgb, src + (x / factor) * 3, out, dst + x * 3, 3);
            }
        }
        return new Video(frames, h, w, out);
    }

    /** From the model's {@code [3, frames, height, width]} output in [-1, 1] (clipped). */
    public static Video fromChannelsFirst(float[] video, int frames, int height, int width) {
        float[] rgb = new float[video.length];
        int plane = frames * height * width;
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                rgb[i * 3 + c] = (Math.clamp(video[c * plane + i], -1f, 1f) + 1f) * 0.5f;
            }
        }
        return new Video(frames, height, width, rgb);
    }
}
