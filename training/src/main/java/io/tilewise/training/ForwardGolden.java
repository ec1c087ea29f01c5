package io.tilewise.training;

import io.tilewise.pipeline.run.Tokenizer;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes reference forward passes of a model directory (the DJL implementation of the contract), so another
 * implementation (the ONNX pipeline) can check that it computes the same velocity. Each case {@code caseK.*} holds
 * {@code video [B, 3, F, H, W]} (the noisy input), {@code t [B]}, {@code ids [B, L]} (token ids stored as F32),
 * {@code mask [B, L]} and the expected {@code velocity [B, 3, F, H, W]}; the prompts are in the metadata.
 *
 * <p>Usage: {@code ForwardGolden MODEL_DIR OUT.safetensors}.
 */
public final class ForwardGolden {

    /** One reference case: prompts (one per batch row, "" = unconditional), grid, times. */
    record Case(String[] prompts, int frames, int height, int width, float[] t) {
    }

    static final Case[] CASES = {
        new Case(new String[] {"a red circle moving right on a black background", ""}, 2, 16, 16, new float[] {0.7f, 0.7f}),
        new Case(new String[] {"a cyan triangle on a gray background", "a white square moving up on a blue background"},
                1, 32, 32, new float[] {0.35f, 0.9f}),
    };

    private ForwardGolden() {
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        Path dir = Path.of(args[0]);
        ModelConfig cfg = SampleClips.readConfig(dir.resolve("config.json"));
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(cfg, TrainTinyModel.load(dir.resolve("weights.safetensors")), root, false);
            for (int k = 0; k < CASES.length; k++) {
                compute(model, root, CASES[k], "case" + k + ".", 100 + k, out, meta);
            }
        }
        Safetensors.write(Path.of(args[1]), out, meta);
    }

    /** Computes one case into {@code out} (and its description into {@code meta}). */
    static void compute(TinyDit model, NDManager root, Case c, String prefix, long seed,
                        Map<String, Safetensors.Tensor> out, Map<String, String> meta) {
        ModelConfig cfg = model.config();
        Tokenizer tok = new Tokenizer(cfg.text().vocab(), cfg.text().maxTokens());
        int b = c.prompts().length, l = cfg.text().maxTokens(), p = cfg.patchSize();
        int[] patch = cfg.patch();
        int gf = c.frames() / patch[0], gh = c.height() / patch[1], gw = c.width() / patch[2], n = gf * gh * gw;
        int vol = cfg.channels() * c.frames() * c.height() * c.width();
        Random rng = new Random(seed);
        float[] video = new float[b * vol];
        for (int i = 0; i < video.length; i++) {
            video[i] = (float) rng.nextGaussian();
        }
        float[] patches = new float[b * n * p];
        long[] ids = new long[b * l];
        float[] idsF = new float[b * l];
        float[] mask = new float[b * l];
        for (int r = 0; r < b; r++) {
            float[] one = new float[vol];
            System.arraycopy(video, r * vol, one, 0, vol);
            Patches.patchify(one, cfg.channels(), c.frames(), c.height(), c.width(), patch, patches, r * n * p);
            Tokenizer.Encoding tokens = tok.encode(c.prompts()[r]);
            System.arraycopy(tokens.ids(), 0, ids, r * l, l);
            System.arraycopy(tokens.mask(), 0, mask, r * l, l);
        }
        for (int i = 0; i < ids.length; i++) {
            idsF[i] = ids[i];
        }
        float[] v;
        try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray y = model.forward(m.create(patches, new Shape(b, n, p)), c.t(), ids, mask, gf, gh, gw);
            v = y.toFloatArray();
        }
        float[] velocity = new float[b * vol];
        for (int r = 0; r < b; r++) {
            float[] one = Patches.unpatchify(v, r * n * p, cfg.channels(), c.frames(), c.height(), c.width(), patch);
            System.arraycopy(one, 0, velocity, r * vol, vol);
        }
        long[] vshape = {b, cfg.channels(), c.frames(), c.height(), c.width()};
        out.put(prefix + "video", new Safetensors.Tensor(vshape, video));
        out.put(prefix + "t", new Safetensors.Tensor(new long[] {b}, c.t().clone()));
        out.put(prefix + "ids", new Safetensors.Tensor(new long[] {b, l}, idsF));
        out.put(prefix + "mask", new Safetensors.Tensor(new long[] {b, l}, mask));
        out.put(prefix + "velocity", new Safetensors.Tensor(vshape, velocity));
        meta.put(prefix + "prompts", String.join(" | ", c.prompts()));
    }
}
