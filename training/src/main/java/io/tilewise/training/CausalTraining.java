package io.tilewise.training;

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
 * Training of the block-causal variant (diffusion-forcing style): frames are grouped into chunks of
 * {@code chunkFrames}, self-attention is chunk-causal, and every chunk gets its own noise level, so the model learns
 * to denoise a chunk while earlier chunks are clean (streaming generation: earlier chunks come from a key/value
 * cache computed at t = 0), at the same level (all chunks denoised together) or at any other level.
 *
 * <p>Noise levels per sample: 40 % "streaming" — a random chunk j is noised at a logit-normal t, chunks before it
 * are clean (t = 0) and left out of the loss (nothing to predict), later chunks get independent levels; 30 % one
 * level shared by all chunks (full-clip generation); 30 % independent levels per chunk.
 */
public final class CausalTraining {

    /**
     * A batch of the block-causal variant.
     *
     * @param t      flow time per (row, chunk), row-major
     * @param weight loss weight per token (0 for clean context chunks), {@code [B·N]}
     */
    public record Batch(FlowMatching.Batch base, int chunkFrames, float[] t, float[] weight) {
        public int chunks() {
            return (base.gf() + chunkFrames - 1) / chunkFrames;
        }
    }

    private CausalTraining() {
    }

    /** Noise levels of one sample's chunks (see the class comment) into {@code t}, loss weights into {@code live}. */
    static void levels(Random rng, float[] t, boolean[] live) {
        int chunks = t.length;
        double u = rng.nextDouble();
        java.util.Arrays.fill(live, true);
        if (u < 0.4) {
            int current = rng.nextInt(chunks);
            for (int c = 0; c < chunks; c++) {
                t[c] = c < current ? 0f : logitNormal(rng);
                live[c] = c >= current;
            }
        } else if (u < 0.7) {
            java.util.Arrays.fill(t, logitNormal(rng));
        } else {
            for (int c = 0; c < chunks; c++) t[c] = logitNormal(rng);
        }
    }

    private static float logitNormal(Random rng) {
        return (float) (1 / (1 + Math.exp(-rng.nextGaussian())));
    }

    /**
     * Like {@link FlowMatching#batch}, with a noise level per chunk: {@code x_t = (1 − t_c)·x0 + t_c·ε} on the tokens
     * of chunk c (patch frames are latent frames: the patch is 1 frame deep).
     */
    public static Batch batch(ModelConfig cfg, Tokenizer tok, SyntheticVideos data, long first, int batch,
                              int frames, int height, int width, double promptDropout, Random rng, int chunkFrames) {
        if (cfg.patch()[0] != 1) throw new IllegalArgumentException("block-causal training needs a patch 1 frame deep");
        FlowMatching.Batch base = FlowMatching.batch(cfg, tok, data, first, batch, frames, height, width, promptDropout, rng);
        int n = base.tokens(), p = cfg.patchSize();
        int perFrame = base.gh() * base.gw();
        int chunks = (base.gf() + chunkFrames - 1) / chunkFrames;
        float[] t = new float[batch * chunks];
        float[] weight = new float[batch * n];
        float[] noisy = base.noisy();
        float[] target = base.target();
        float[] rowT = new float[chunks];
        boolean[] live = new boolean[chunks];
        for (int b = 0; b < batch; b++) {
            levels(rng, rowT, live);
            System.arraycopy(rowT, 0, t, b * chunks, chunks);
            float tb = base.t()[b];
            for (int token = 0; token < n; token++) {
                int c = token / (perFrame * chunkFrames);
                weight[b * n + token] = live[c] ? 1f : 0f;
                for (int i = (b * n + token) * p; i < (b * n + token + 1) * p; i++) {
                    // FlowMatching drew x_t with the row's t: recover x0 and ε, re-noise with the chunk's level
                    float eps = noisy[i] + (1 - tb) * target[i];
                    float x0 = eps - target[i];
                    noisy[i] = (1 - rowT[c]) * x0 + rowT[c] * eps;
                }
            }
        }
        return new Batch(base, chunkFrames, t, weight);
    }

    /**
     * Forward with the chunk-causal mask and per-chunk times, loss-weighted MSE (clean context tokens excluded),
     * backward and one optimizer update, as {@link FlowMatching#trainStep}.
     *
     * @return the batch loss, NaN when the update was skipped
     */
    static double trainStep(TinyDit model, AdamW opt, NDManager root, Batch batch, double lr) {
        FlowMatching.Batch b = batch.base();
        int p = model.config().patchSize();
        Shape shape = new Shape(b.batch(), b.tokens(), p);
        double loss;
        try (NDScope scope = new NDScope(); NDManager m = root.newSubManager()) {
            scope.suppressNotUsedWarning();
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray x = m.create(b.noisy(), shape);
                NDArray target = m.create(b.target(), shape);
                NDArray weight = m.create(batch.weight(), new Shape(b.batch(), b.tokens(), 1));
                float live = 0;
                for (float w : batch.weight()) live += w;
                NDArray pred = model.forward(x, batch.t(), batch.chunkFrames(), b.ids(), b.mask(), b.gf(), b.gh(), b.gw());
                NDArray denominator = m.create(new float[] {Math.max(1f, live) * p}, new Shape(1));
                NDArray mse = pred.sub(target).square().mul(weight).sum().div(denominator);
                gc.backward(mse);
                loss = mse.getFloat();
            }
            loss = FlowMatching.update(model, opt, lr, loss, b);
        }
        return loss;
    }
}
