package io.tilewise.training;

import io.tilewise.pipeline.family.tiny.TinyLatents;
import io.tilewise.pipeline.run.FlowMatchEuler;

import io.tilewise.pipeline.run.Tokenizer;

import io.tilewise.pipeline.model.ModelConfig;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.Random;

/**
 * The contract's flow matching: training batches ({@code x_t = (1 − t)·x0 + t·ε}, target {@code ε − x0},
 * logit-normal t shifted like the sampler, 10 % prompt dropout), the MSE training step, and the Euler sampler with CFG.
 */
public final class FlowMatching {

    /** Timestep shift applied to training times; equals the bundled model's default sampling shift. */
    static final double TRAIN_SHIFT = 3.0;

    /**
     * One training batch in patch space ({@code [B, N, P]} flattened).
     *
     * @param noisy x_t patches
     * @param target velocity ε − x0 patches
     * @param t time per row
     * @param ids token ids {@code [B·L]}
     * @param mask token mask {@code [B·L]}
     * @param prompts prompt per row ("" = dropped to unconditional)
     * @param weight  per-element loss weight like {@code target}, or null for plain MSE
     */
    public record Batch(float[] noisy, float[] target, float[] t, long[] ids, float[] mask, String[] prompts,
                        int batch, int frames, int height, int width, int gf, int gh, int gw, float[] weight) {

        public int tokens() {
            return gf * gh * gw;
        }
    }

    private static final boolean DEBUG = Boolean.getBoolean("tilewise.train.debug");
    /** Lower end of the high-noise band of {@code --high-noise}. */
    static final double HIGH_NOISE_FROM = 0.9;

    private FlowMatching() {
    }

    /**
     * Builds a batch from samples {@code first .. first+batch-1} of {@code data}; {@code rng} draws t, ε and the
     * prompt dropout.
     */
    public static Batch batch(ModelConfig cfg, Tokenizer tok, SyntheticVideos data, long first, int batch,
                              int frames, int height, int width, double promptDropout, Random rng) {
        return batch(cfg, tok, data, first, batch, frames, height, width, promptDropout, 0, rng);
    }

    /**
     * As above, with the loss on the object's pixels weighted {@code 1 + objectWeight} against 1 for background pixels
     * (0 = plain MSE). The object covers 5–12 % of a frame, so plain MSE is mostly background; weighting it makes the
     * object's shape and path a larger part of what is learned (a 20-minute fine-tune at 8 kept the object's pixel count
     * steady across frames where the bundled weights let it fade and reappear).
     */
    public static Batch batch(ModelConfig cfg, Tokenizer tok, SyntheticVideos data, long first, int batch,
                              int frames, int height, int width, double promptDropout, double objectWeight, Random rng) {
        return batch(cfg, tok, data, first, batch, frames, height, width, promptDropout, objectWeight, 0, rng);
    }

    /**
     * As above, with a share {@code highNoise} of the samples at t uniform in [{@value #HIGH_NOISE_FROM}, 1) instead of
     * the shifted logit-normal. The sampler's first steps (t ≥ 0.9: 5 of 20 at shift 3) decide the clip's layout from
     * the prompt alone, yet the shifted logit-normal puts only 14 % of training at t > 0.9 and 3 % at t > 0.95, so
     * what the prompt implies for the layout (where the object starts, which way it goes) is barely trained.
     */
    public static Batch batch(ModelConfig cfg, Tokenizer tok, SyntheticVideos data, long first, int batch,
                              int frames, int height, int width, double promptDropout, double objectWeight,
                              double highNoise, Random rng) {
        if (!(objectWeight >= 0)) throw new IllegalArgumentException("object weight " + objectWeight + " must be >= 0");
        if (!(highNoise >= 0 && highNoise <= 1)) throw new IllegalArgumentException("high-noise share " + highNoise + " must be in [0, 1]");
        int[] patch = cfg.patch();
        int gf = frames / patch[0], gh = height / patch[1], gw = width / patch[2];
        int n = gf * gh * gw, p = cfg.patchSize(), l = cfg.text().maxTokens();
        float[] clean = new float[batch * n * p];
        float[] noisy = new float[batch * n * p];
        float[] target = new float[batch * n * p];
        float[] t = new float[batch];
        long[] ids = new long[batch * l];
        float[] mask = new float[batch * l];
        String[] prompts = new String[batch];
        float[] weight = objectWeight > 0 ? new float[batch * n * p] : null;
        for (int b = 0; b < batch; b++) {
            SyntheticVideos.Clip clip = data.sample(first + b, frames, height, width);
            Patches.patchify(clip.pixels(), cfg.channels(), frames, height, width, patch, clean, b * n * p);
            if (weight != null) Patches.patchify(objectWeights(clip, objectWeight), cfg.channels(), frames, height, width, patch, weight, b * n * p);
            t[b] = (float) (highNoise > 0 && rng.nextDouble() < highNoise
                    ? HIGH_NOISE_FROM + (1 - HIGH_NOISE_FROM) * rng.nextDouble() : trainingTime(rng.nextGaussian()));
            prompts[b] = rng.nextDouble() < promptDropout ? "" : clip.prompt();
            Tokenizer.Encoding tokens = tok.encode(prompts[b]);
            System.arraycopy(tokens.ids(), 0, ids, b * l, l);
            System.arraycopy(tokens.mask(), 0, mask, b * l, l);
            for (int i = b * n * p; i < (b + 1) * n * p; i++) {
                float eps = (float) rng.nextGaussian();
                noisy[i] = (1 - t[b]) * clean[i] + t[b] * eps;
                target[i] = eps - clean[i];
            }
        }
        return new Batch(noisy, target, t, ids, mask, prompts, batch, frames, height, width, gf, gh, gw, weight);
    }

    /** {@code 1 + extra} where a pixel differs from the background colour, else 1, per channel ({@code [3, F, H, W]}). */
    static float[] objectWeights(SyntheticVideos.Clip clip, double extra) {
        float[] bg = SyntheticVideos.RGB.get(clip.scene().background());
        float[] px = clip.pixels();
        int plane = px.length / 3;
        float[] w = new float[px.length];
        for (int i = 0; i < plane; i++) {
            boolean object = false;
            for (int c = 0; c < 3; c++) object |= Math.abs(px[c * plane + i] - (2 * bg[c] - 1)) > 0.2f;
            for (int c = 0; c < 3; c++) w[c * plane + i] = object ? (float) (1 + extra) : 1f;
        }
        return w;
    }

    /**
     * Training time from a standard normal draw: logit-normal, then shifted like the sampler's schedule
     * ({@link #TRAIN_SHIFT}), so training spends its steps where sampling does — at high noise, where the layout
     * (object position, shape) is decided. Unshifted, a short run learned colors per patch but no coherent object.
     */
    static double trainingTime(double normal) {
        double u = 1 / (1 + Math.exp(-normal));
        return TRAIN_SHIFT * u / (1 + (TRAIN_SHIFT - 1) * u);
    }

    /**
     * Forward, MSE loss, backward and one optimizer update; every intermediate is closed before returning.
     *
     * @return the batch loss; NaN when the loss or gradient was not finite and the update was skipped
     */
    static double trainStep(TinyDit model, AdamW opt, NDManager root, Batch batch, double lr) {
        int p = model.config().patchSize();
        Shape shape = new Shape(batch.batch(), batch.tokens(), p);
        double loss;
        try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
            scope.suppressNotUsedWarning();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = m.create(batch.noisy(), shape);
                NDArray target = m.create(batch.target(), shape);
                NDArray pred = model.forward(x, batch.t(), batch.ids(), batch.mask(), batch.gf(), batch.gh(), batch.gw());
                NDArray sq = pred.sub(target).square();
                NDArray mse = batch.weight() == null ? sq.mean()
                        : sq.mul(m.create(batch.weight(), shape)).mean().div((float) mean(batch.weight()));
                gc.backward(mse);
                loss = mse.getFloat();
            }
            loss = update(model, opt, lr, loss, batch);
        }
        return loss;
    }

    private static double mean(float[] x) {
        double s = 0;
        for (float v : x) s += v;
        return s / x.length;
    }

    /**
     * The optimizer update after a backward pass. A non-finite loss or gradient would poison Adam's moments: the
     * update is skipped (gradients cleared) and NaN returned.
     */
    static double update(TinyDit model, AdamW opt, double lr, double loss, Batch batch) {
        double norm;
        if (Double.isFinite(loss)) {
            norm = opt.update(model.parameters(), lr);
        } else {
            AdamW.clearGradients(model.parameters());
            norm = Double.NaN;
        }
        if (!Double.isFinite(norm)) {
            System.err.printf("  skipped update: loss %s, gradient norm %s at %dx%dx%d batch %d%n", loss, norm,
                    batch.frames(), batch.height(), batch.width(), batch.batch());
            return Double.NaN;
        }
        if (DEBUG) {
            System.err.printf("  step loss %.5f grad norm %.4f  %dx%dx%d b%d%n", loss, norm, batch.frames(), batch.height(),
                    batch.width(), batch.batch());
        }
        return loss;
    }

    /**
     * Euler sampling with classifier-free guidance, exactly as inference samples ({@link TinyLatents#noise} for the
     * seeded noise, {@link FlowMatchEuler} for times, guidance and steps): only the forward differs (DJL here, ONNX
     * Runtime there), so a seed gives the same clip in both up to float rounding. The result is clipped to [-1, 1].
     *
     * @return {@code [3, F, H, W]}
     */
    public static float[] sample(TinyDit model, NDManager root, Tokenizer tok, String prompt, int frames,
                                 int height, int width, int steps, double guidance, double shift, long seed) {
        ModelConfig cfg = model.config();
        int[] patch = cfg.patch();
        int gf = frames / patch[0], gh = height / patch[1], gw = width / patch[2];
        int n = gf * gh * gw, p = cfg.patchSize(), l = cfg.text().maxTokens();
        float[] noise = TinyLatents.noise(seed, cfg.channels() * frames * height * width);
        float[] x = new float[n * p];
        Patches.patchify(noise, cfg.channels(), frames, height, width, patch, x, 0);
        Tokenizer.Encoding cond = tok.encode(prompt);
        Tokenizer.Encoding uncond = tok.encode("");
        long[] ids = new long[2 * l];
        float[] mask = new float[2 * l];
        System.arraycopy(cond.ids(), 0, ids, 0, l);
        System.arraycopy(uncond.ids(), 0, ids, l, l);
        System.arraycopy(cond.mask(), 0, mask, 0, l);
        System.arraycopy(uncond.mask(), 0, mask, l, l);
        double[] t = FlowMatchEuler.times(steps, shift);
        float[] guided = new float[n * p];
        for (int s = 0; s < steps; s++) {
            float[] in = new float[2 * n * p];
            System.arraycopy(x, 0, in, 0, n * p);
            System.arraycopy(x, 0, in, n * p, n * p);
            float[] v;
            try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
                scope.suppressNotUsedWarning();
                NDArray out = model.forward(m.create(in, new Shape(2, n, p)), new float[] {(float) t[s], (float) t[s]},
                        ids, mask, gf, gh, gw);
                v = out.toFloatArray();
            }
            FlowMatchEuler.guide(v, 0, v, n * p, guidance, guided);
            FlowMatchEuler.step(x, guided, t[s + 1] - t[s]);
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.max(-1f, Math.min(1f, x[i]));
        }
        return Patches.unpatchify(x, 0, cfg.channels(), frames, height, width, patch);
    }
}
