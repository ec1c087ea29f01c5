package io.tilewise.training;

import io.tilewise.pipeline.quality.ClipAnalyzer;
import io.tilewise.pipeline.quality.ClipReading;
import io.tilewise.pipeline.run.Video;

import io.tilewise.pipeline.run.Tokenizer;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Samples clips from a trained model directory with the DJL forward (Euler + CFG) and writes a PNG grid: one row
 * per prompt, one column per frame, each frame scaled up; prints what {@link ClipAnalyzer} (the adherence reader of {@code tilewise adherence}) reads from each clip.
 * For looking at what the model learned.
 *
 * <p>Usage: {@code SampleClips MODEL_DIR OUT.png FRAMES SIZE STEPS GUIDANCE SEED "prompt" ["prompt" ...]}.
 */
public final class SampleClips {

    private SampleClips() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Path png = Path.of(args[1]);
        int frames = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        int steps = Integer.parseInt(args[4]);
        double guidance = Double.parseDouble(args[5]);
        long seed = Long.parseLong(args[6]);
        List<String> prompts = List.of(args).subList(7, args.length);
        System.setProperty("ai.djl.pytorch.num_threads", System.getProperty("threads", "1"));
        ModelConfig cfg = readConfig(dir.resolve("config.json"));
        Tokenizer tok = new Tokenizer(cfg.text().vocab(), cfg.text().maxTokens());
        List<float[]> clips = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(cfg, TrainTinyModel.load(dir.resolve("weights.safetensors")), root, false);
            for (String prompt : prompts) {
                long t0 = System.nanoTime();
                float[] clip = FlowMatching.sample(model, root, tok, prompt, frames, size, size, steps, guidance, 3.0, seed);
                clips.add(clip);
                ClipReading r = ClipAnalyzer.read(Video.fromChannelsFirst(clip, frames, size, size));
                System.out.printf(Locale.ROOT, "%-55s -> %s %s%s on %s (object %.0f%% of pixels), %.1f s%n", prompt,
                        r.color(), r.shape(), r.direction() == null ? "" : " moving " + r.direction(), r.background(),
                        100 * r.objectFraction(), (System.nanoTime() - t0) / 1e9);
            }
        }
        writeGrid(png, clips, frames, size, size, Math.max(1, 128 / size));
    }

    /** Reads and validates a model's config.json (the inference contract's reader). */
    static ModelConfig readConfig(Path file) {
        return ModelConfig.read(file);
    }

    public static void writeGrid(Path png, List<float[]> clips, int frames, int height, int width, int zoom)
            throws IOException {
        int gap = 2;
        int cw = width * zoom + gap, ch = height * zoom + gap;
        BufferedImage img = new BufferedImage(frames * cw, clips.size() * ch, BufferedImage.TYPE_INT_RGB);
        int plane = frames * height * width;
        for (int r = 0; r < clips.size(); r++) {
            float[] v = clips.get(r);
            for (int f = 0; f < frames; f++) {
                for (int y = 0; y < height * zoom; y++) {
                    for (int x = 0; x < width * zoom; x++) {
                        int i = (f * height + y / zoom) * width + x / zoom;
                        int rgb = 0;
                        for (int c = 0; c < 3; c++) {
                            int b = (int) Math.round((Math.max(-1, Math.min(1, v[c * plane + i])) + 1) * 127.5);
                            rgb = (rgb << 8) | b;
                        }
                        img.setRGB(f * cw + x, r * ch + y, rgb);
                    }
                }
            }
        }
        Path parent = png.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        ImageIO.write(img, "png", png.toFile());
    }
}
