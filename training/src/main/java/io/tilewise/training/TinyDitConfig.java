package io.tilewise.training;

import java.util.List;

/**
 * Sizes of a {@code tilewise-tiny-dit-v1} model (docs/tiny-dit-architecture.md, "Sizes").
 *
 * @param hidden model width d
 * @param heads attention heads of the video blocks
 * @param blocks number of DiT blocks
 * @param mlpRatio FFN expansion of the video blocks (and of the text layers: the contract fixes 4·dt)
 * @param patch [pt, ph, pw]
 * @param channels pixel channels (3)
 * @param freqDim sinusoidal timestep embedding size
 * @param ropeAxes headDim parts rotated by the frame, y and x coordinates
 * @param ropeTheta RoPE base
 * @param textHidden text encoder width dt
 * @param textHeads text encoder heads
 * @param textLayers text encoder layers
 * @param maxTokens prompt length L (ids are padded or truncated to it)
 * @param vocab the token vocabulary, id = index
 * @param pooledText whether the mean word embedding of the prompt is added to the timestep embedding
 *                   ({@code text_pool}; config.json {@code text.pooled})
 * @param positionFeatures Fourier frequencies per axis of the fractional-position features added to the patch
 *                         embedding ({@code pos_embed}; 0 = none; config.json {@code position_features})
 */
public record TinyDitConfig(int hidden, int heads, int blocks, int mlpRatio, int[] patch, int channels,
                            int freqDim, int[] ropeAxes, double ropeTheta, int textHidden, int textHeads,
                            int textLayers, int maxTokens, List<String> vocab, boolean pooledText,
                            int positionFeatures) {

    /** Architecture id written to config.json. */
    public static final String ARCHITECTURE = "tilewise-tiny-dit-v1";

    public TinyDitConfig {
        patch = patch.clone();
        ropeAxes = ropeAxes.clone();
        vocab = List.copyOf(vocab);
        if (positionFeatures < 0) {
            throw new IllegalArgumentException("position features " + positionFeatures + " must be >= 0");
        }
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden " + hidden + " must be a multiple of heads " + heads);
        }
        if (textHidden % textHeads != 0) {
            throw new IllegalArgumentException("text hidden " + textHidden + " must be a multiple of text heads " + textHeads);
        }
        int sum = 0;
        for (int a : ropeAxes) {
            if (a % 2 != 0) {
                throw new IllegalArgumentException("rope_axes parts must be even, got " + a);
            }
            sum += a;
        }
        if (sum != hidden / heads) {
            throw new IllegalArgumentException("rope_axes must sum to headDim " + hidden / heads + ", got " + sum);
        }
    }

    /**
     * The bundled model: hidden 128, 4 heads, 4 blocks, text 128/4 heads/2 layers, 16 tokens. RoPE base 100, not
     * the usual 10,000: a 12-dim axis has 6 frequencies, and at base 10,000 only two of them turn noticeably over the
     * 16 positions of an axis, so scores could not single out a query's neighbours (at most 28 % of the softmax mass
     * on the 3×3 neighbourhood of a 16×16 frame with score range 5.7, 76 % at 12.7; base 100: 65 % and 98 %).
     */
    public static final double ROPE_THETA = 100.0;

    /** The bundled model's sizes, without pooled text or position features (both opt-in, see TrainTinyModel). */
    public static TinyDitConfig tinyT2v() {
        return new TinyDitConfig(128, 4, 4, 4, new int[] {1, 4, 4}, 3, 256, new int[] {8, 12, 12}, ROPE_THETA,
                128, 4, 2, 16, Vocabulary.WORDS, false, 0);
    }

    /** A very small config for tests: hidden 16, 2 heads, 1 block, 1 text layer, pooled text, 2 position frequencies. */
    public static TinyDitConfig testSized() {
        return new TinyDitConfig(16, 2, 1, 4, new int[] {1, 4, 4}, 3, 32, new int[] {2, 2, 4}, 10000.0,
                16, 2, 1, 16, Vocabulary.WORDS, true, 2);
    }

    /** This config with or without the pooled text path and with {@code k} position frequencies (0 = none). */
    public TinyDitConfig withConditioning(boolean pooled, int k) {
        return new TinyDitConfig(hidden, heads, blocks, mlpRatio, patch, channels, freqDim, ropeAxes, ropeTheta, textHidden,
                textHeads, textLayers, maxTokens, vocab, pooled, k);
    }

    public int headDim() {
        return hidden / heads;
    }

    /** Values in one patch: P = channels·pt·ph·pw. */
    public int patchDim() {
        return channels * patch[0] * patch[1] * patch[2];
    }

    @Override
    public int[] patch() {
        return patch.clone();
    }

    @Override
    public int[] ropeAxes() {
        return ropeAxes.clone();
    }
}
