package io.tilewise.wan.family;

import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.GenerationDefaults;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.ModelFamily;
import io.tilewise.pipeline.family.StageOptions;
import io.tilewise.pipeline.family.TokenGeometry;
import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.wan.scheduler.SchedulerConfig;
import io.tilewise.wan.transformer.WanConfig;
import io.tilewise.wan.transformer.WanTransformer;
import io.tilewise.wan.vae.WanVaeConfig;
import io.tilewise.wan.vae.WanVaeFolder;
import io.tilewise.wan.weights.DiffusersFolder;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Wan2.1 text-to-video as a diffusers pipeline folder ({@code model_index.json} with {@code _class_name}
 * {@code WanPipeline}: {@code transformer/}, {@code text_encoder/} (UMT5), {@code tokenizer/}, {@code vae/}
 * (AutoencoderKLWan), {@code scheduler/}). Bidirectional attention; free-text prompts.
 */
public final class WanFamily implements ModelFamily {

    public static final String ID = "wan2.1";

    /** WanPipeline's call defaults for Wan2.1 text-to-video: 81 frames of 832x480, 50 steps, guidance 5. */
    static final int FRAMES = 81;
    static final int HEIGHT = 480;
    static final int WIDTH = 832;
    static final int STEPS = 50;
    static final double GUIDANCE = 5.0;

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<String> identifiers() {
        return List.of(DiffusersFolder.PIPELINE_CLASS);
    }

    @Override
    public boolean recognizes(Path dir, String identifier) {
        return DiffusersFolder.PIPELINE_CLASS.equals(identifier);
    }

    @Override
    public ModelCard card(Path dir) {
        WanConfig transformer = part("transformer", () -> WanTransformer.readConfig(dir));
        WanVaeConfig vae = part("vae", () -> WanVaeFolder.open(dir).config());
        SchedulerConfig scheduler = part("scheduler", () -> SchedulerConfig.read(schedulerConfig(dir)));
        return card(dir, transformer, vae, scheduler);
    }

    static ModelCard card(Path dir, WanConfig t, WanVaeConfig vae, SchedulerConfig scheduler) {
        int[] patch = t.patch();
        double d = t.dim();
        // self-attention q/k/v/o (4·d²), cross-attention q and o on video tokens (2·d²), the FFN (2·d·ffn); 2 flops each
        double blockFlops = 2 * (6 * d * d + 2 * d * t.ffnDim());
        double shift = scheduler.flowShift() > 0 ? scheduler.flowShift() : 1.0;
        return new ModelCard(ID, String.valueOf(dir.toAbsolutePath().normalize().getFileName()), t.heads(), t.headDim(),
                t.layers(), 0, new GenerationDefaults(FRAMES, HEIGHT, WIDTH, STEPS, GUIDANCE, shift),
                "Wan2.1 text-to-video (diffusers WanPipeline)", List.of(),
                new TokenGeometry(vae.temporalScale() * patch[0], true, vae.spatialScale() * patch[1],
                        vae.spatialScale() * patch[2]), blockFlops);
    }

    @Override
    public DenoiserModel open(Path dir, StageOptions options) {
        return new WanModel(dir, options);
    }

    static Path schedulerConfig(Path dir) {
        return dir.resolve("scheduler").resolve("scheduler_config.json");
    }

    /**
     * Runs a component's check; a failure message that does not name the component gets it in front, so every bad
     * folder reads as one line naming the part.
     */
    static <T> T part(String name, Supplier<T> check) {
        try {
            return check.get();
        } catch (ModelFormatException e) {
            String message = e.getMessage();
            if (message != null && (message.startsWith(name + ":") || message.contains("/" + name))) throw e;
            throw new ModelFormatException(name + ": " + message, e);
        }
    }
}
