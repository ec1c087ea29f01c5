package io.tilewise.training;

import io.tilewise.pipeline.quality.Palette;

import java.util.Map;
import java.util.SplittableRandom;

/**
 * Seeded generator of the training data: a colored shape moving in a stated direction on a colored background,
 * as clips {@code [3, F, H, W]} in [-1, 1] with their prompt. Sample {@code i} of a generator depends only on
 * (seed, i, size), so a run can be resumed and a test can regenerate any sample.
 *
 * <p>Geometry is relative to the frame (radius 12-20 % of the width, speed 2-3.5 % of the width per frame), so a
 * 32×32 and a 64×64 clip of the same scene look alike. The object's centre stays at least 0.8·radius inside the
 * frame on the motion axis over the whole clip, so it is always mostly visible. Edges are anti-aliased by 4×4
 * supersampling.
 *
 * <p>Where a moving object starts is the {@link Start} rule: anywhere it can make its whole path, or in the trailing
 * quarter of that range (a shape "moving right" enters from the left half). With {@code TRAILING} the clip-wide
 * layout already says the direction, so the loss rewards reading the direction word even at high noise, where the
 * model can only predict the mean clip of the prompt; with {@code ANYWHERE} the mean clips of "left" and "right"
 * are nearly the same centred smear and a small model learns to ignore the word (measured: the bundled v1 weights
 * trained that way make the same clip for all four directions at a given seed).
 */
public final class SyntheticVideos {

    /** Where a moving object starts on its motion axis. */
    public enum Start {
        /** Uniform over every start from which the whole path stays in frame. */
        ANYWHERE(1.0),
        /** Uniform over the quarter of those starts nearest the edge the object moves away from. */
        TRAILING(0.25);

        final double fraction;

        Start(double fraction) {
            this.fraction = fraction;
        }

        /** Parses "anywhere" or "trailing" (the training option's values). */
        public static Start parse(String name) {
            for (Start s : values()) {
                if (s.name().equalsIgnoreCase(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("--start " + name + " is not one of anywhere, trailing");
        }
    }

    /** RGB in [0, 1] of every color word: the pipeline's palette, so analysis and data agree by construction. */
    static final Map<String, float[]> RGB = Palette.RGB;

    /**
     * What a clip shows. Positions and sizes are fractions of the frame width/height; (cx, cy) is the centre at
     * frame 0, (vx, vy) the displacement per frame.
     */
    public record Scene(String color, String shape, String direction, String background,
                        double cx, double cy, double vx, double vy, double radius) {

        /** The prompt of the contract; single-frame scenes have no direction. */
        public String prompt() {
            return direction == null
                    ? "a " + color + " " + shape + " on a " + background + " background"
                    : "a " + color + " " + shape + " moving " + direction + " on a " + background + " background";
        }

        /** Centre x of the object at frame f (fraction of width). */
        public double cx(int f) {
            return cx + vx * f;
        }

        /** Centre y of the object at frame f (fraction of height). */
        public double cy(int f) {
            return cy + vy * f;
        }
    }

    /**
     * A clip with its scene.
     *
     * @param pixels {@code [3, frames, height, width]} row-major, values in [-1, 1]
     */
    public record Clip(float[] pixels, int frames, int height, int width, Scene scene) {
        public String prompt() {
            return scene.prompt();
        }
    }

    private static final int SUPERSAMPLE = 4;
    private final long seed;
    private final Start start;

    public SyntheticVideos(long seed) {
        this(seed, Start.ANYWHERE);
    }

    public SyntheticVideos(long seed, Start start) {
        this.seed = seed;
        this.start = start;
    }

    /** Sample {@code index} at the given size; one frame gives an image (prompt without direction). */
    public Clip sample(long index, int frames, int height, int width) {
        return render(scene(index, frames), frames, height, width);
    }

    /** The scene of sample {@code index} for a clip of {@code frames} frames. */
    public Scene scene(long index, int frames) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + frames);
        String color = pick(r, Vocabulary.COLORS);
        String shape = pick(r, Vocabulary.SHAPES);
        String background;
        do {
            background = pick(r, Vocabulary.BACKGROUNDS);
        } while (background.equals(color));
        double radius = 0.12 + 0.08 * r.nextDouble();
        if (frames == 1) {
            double cx = radius + (1 - 2 * radius) * r.nextDouble();
            double cy = radius + (1 - 2 * radius) * r.nextDouble();
            return new Scene(color, shape, null, background, cx, cy, 0, 0, radius);
        }
        String direction = pick(r, Vocabulary.DIRECTIONS);
        double margin = 0.8 * radius;
        double room = 1 - 2 * margin;
        double speed = Math.min(0.02 + 0.015 * r.nextDouble(), 0.9 * room / (frames - 1));
        double travel = speed * (frames - 1);
        double along = margin + (room - travel) * start.fraction * r.nextDouble();   // start on the motion axis
        double across = radius + (1 - 2 * radius) * r.nextDouble();
        return switch (direction) {
            case "right" -> new Scene(color, shape, direction, background, along, across, speed, 0, radius);
            case "left" -> new Scene(color, shape, direction, background, 1 - along, across, -speed, 0, radius);
            case "down" -> new Scene(color, shape, direction, background, across, along, 0, speed, radius);
            case "up" -> new Scene(color, shape, direction, background, across, 1 - along, 0, -speed, radius);
            default -> throw new IllegalStateException(direction);
        };
    }

    /** Renders a scene to {@code [3, F, H, W]} in [-1, 1]. */
    public static Clip render(Scene scene, int frames, int height, int width) {
        float[] fg = RGB.get(scene.color());
        float[] bg = RGB.get(scene.background());
        float[] out = new float[3 * frames * height * width];
        int plane = frames * height * width;
        double inv = 1.0 / (SUPERSAMPLE * SUPERSAMPLE);
        for (int f = 0; f < frames; f++) {
            double cx = scene.cx(f);
            double cy = scene.cy(f);
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int hits = 0;
                    for (int sy = 0; sy < SUPERSAMPLE; sy++) {
                        // Relative to the centre, in width units on both axes so shapes stay round on any aspect.
                        double dy = ((y + (sy + 0.5) / SUPERSAMPLE) / height - cy) * height / width;
                        for (int sx = 0; sx < SUPERSAMPLE; sx++) {
                            double dx = (x + (sx + 0.5) / SUPERSAMPLE) / width - cx;
                            if (inside(scene.shape(), dx, dy, scene.radius())) {
                                hits++;
                            }
                        }
                    }
                    double a = hits * inv;
                    int i = (f * height + y) * width + x;
                    for (int c = 0; c < 3; c++) {
                        double v = a * fg[c] + (1 - a) * bg[c];
                        out[c * plane + i] = (float) (2 * v - 1);
                    }
                }
            }
        }
        return new Clip(out, frames, height, width, scene);
    }

    /** Whether the point (dx, dy) relative to the centre lies inside the shape of radius r. */
    static boolean inside(String shape, double dx, double dy, double r) {
        return switch (shape) {
            case "circle" -> dx * dx + dy * dy <= r * r;
            case "square" -> Math.abs(dx) <= 0.85 * r && Math.abs(dy) <= 0.85 * r;
            // Apex up at -r, flat base at +0.75r; edges through (±r, 0.75r).
            case "triangle" -> dy <= 0.75 * r && dy >= -r && Math.abs(dx) <= (dy + r) / 1.75;
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        };
    }

    private static String pick(SplittableRandom r, java.util.List<String> list) {
        return list.get(r.nextInt(list.size()));
    }
}
