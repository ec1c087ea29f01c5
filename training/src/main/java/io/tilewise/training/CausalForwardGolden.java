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
 * Reference forward passes of a block-causal model directory ({@code causal_chunk_frames > 0}): like
 * {@link ForwardGolden}, with a flow time per (row, chunk) — {@code t [B, chunks]} — and the chunk-causal mask. The
 * oracle for streaming generation in the ONNX pipeline, which computes the same velocity chunk by chunk with a
 * key/value cache.
 *
 * <p>Usage: {@code CausalForwardGolden MODEL_DIR OUT.safetensors}.
 */
public final class CausalForwardGolden {

    /** One case: prompts per row, size, times per row and chunk (row-major). */
    record Case(String[] prompts, int frames, int height, int width, float[] t) {
    }

    static final Case[] CASES = {
        // streaming: two clean chunks of context, the last chunk noisy
        new Case(new String[] {"a red circle moving right on a black background"}, 6, 32, 32, new float[] {0f, 0f, 0.7f}),
        // independent levels per chunk, CFG rows, a partial last chunk
        new Case(new String[] {"a white square moving up on a blue background", ""}, 5, 16, 16,
                new float[] {0.3f, 0.9f, 0.5f, 0.6f, 0.2f, 1f}),
    };

    private CausalForwardGolden() {
    }

    public static void main(String[] args) throws IOException {
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        Path dir = Path.of(args[0]);
        ModelConfig cfg = SampleClips.readConfig(dir.resolve("config.json"));
        int chunk = chunkFrames(dir);
        Map<String, Safetensors.Tensor> out = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("causal_chunk_frames", Integer.toString(chunk));
        try (NDManager root = NDManager.newBaseManager()) {
            TinyDit model = TinyDit.of(cfg, TrainTinyModel.load(dir.resolve("weights.safetensors")), root, false);
            for (int k = 0; k < CASES.length; k++) compute(model, root, CASES[k], chunk, "case" + k + ".", 200 + k, out, meta);
        }
        Safetensors.write(Path.of(args[1]), out, meta);
    }

    /** {@code causal_chunk_frames} of a model directory's config.json. */
    static int chunkFrames(Path dir) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("config.json").toFile())
                .path("causal_chunk_frames").asInt(0);
    }

    static void compute(TinyDit model, NDManager root, Case c, int chunk, String prefix, long seed,
                        Map<String, Safetensors.Tensor> out, Map<String, String> meta) {
        ModelConfig cfg = model.config();
        Tokenizer tok = new Tokenizer(cfg.text().vocab(), cfg.text().maxTokens());
        int b = c.prompts().length, l = cfg.text().maxTokens(), p = cfg.patchSize();
        int[] patch = cfg.patch();
        int gf = c.frames() / patch[0], gh = c.height() / patch[1], gw = c.width() / patch[2], n = gf * gh * gw;
        int chunks = (gf + chunk - 1) / chunk;
        if (c.t().length != b * chunks) throw new IllegalStateException("case needs " + b * chunks + " times");
        int vol = cfg.channels() * c.frames() * c.height() * c.width();
        Random rng = new Random(seed);
        float[] video = new float[b * vol];
        for (int i = 0; i < video.length; i++) video[i] = (float) rng.nextGaussian();
        float[] patches = new float[b * n * p];
        long[] ids = new long[b * l];
        float[] idsF = new float[b * l];
        float[] mask = new float[b * l];
        for (int r = 0; r < b; r++) {
            float[] one = java.util.Arrays.copyOfRange(video, r * vol, (r + 1) * vol);
            Patches.patchify(one, cfg.channels(), c.frames(), c.height(), c.width(), patch, patches, r * n * p);
            Tokenizer.Encoding tokens = tok.encode(c.prompts()[r]);
            System.arraycopy(tokens.ids(), 0, ids, r * l, l);
            System.arraycopy(tokens.mask(), 0, mask, r * l, l);
        }
        for (int i = 0; i < ids.length; i++) idsF[i] = ids[i];
        float[] v;
        try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
            scope.suppressNotUsedWarning();
            NDArray y = model.forward(m.create(patches, new Shape(b, n, p)), c.t(), chunk, ids, mask, gf, gh, gw);
            v = y.toFloatArray();
        }
        float[] velocity = new float[b * vol];
        for (int r = 0; r < b; r++) {
            float[] one = Patches.unpatchify(v, r * n * p, cfg.channels(), c.frames(), c.height(), c.width(), patch);
            System.arraycopy(one, 0, velocity, r * vol, vol);
        }
        long[] vshape = {b, cfg.channels(), c.frames(), c.height(), c.width()};
        out.put(prefix + "video", new Safetensors.Tensor(vshape, video));
        out.put(prefix + "t", new Safetensors.Tensor(new long[] {b, chunks}, c.t().clone()));
        out.put(prefix + "ids", new Safetensors.Tensor(new long[] {b, l}, idsF));
        out.put(prefix + "mask", new Safetensors.Tensor(new long[] {b, l}, mask));
        out.put(prefix + "velocity", new Safetensors.Tensor(vshape, velocity));
        meta.put(prefix + "prompts", String.join(" | ", c.prompts()));
    }
}
