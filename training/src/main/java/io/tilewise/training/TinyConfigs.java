package io.tilewise.training;

import io.tilewise.pipeline.model.ModelConfig;

/**
 * The sizes training starts from, as the one {@link ModelConfig} that inference reads back from {@code config.json}.
 */
public final class TinyConfigs {

    /**
     * RoPE base of the bundled model: 100, not the usual 10,000. A 12-dim axis has 6 frequencies, and at base 10,000
     * only two of them turn noticeably over the 16 positions of an axis, so scores could not single out a query's
     * neighbours (at most 28 % of the softmax mass on the 3×3 neighbourhood of a 16×16 frame with score range 5.7,
     * 76 % at 12.7; base 100: 65 % and 98 %).
     */
    public static final double ROPE_THETA = 100.0;

    /** What the bundled models were made for (config.json {@code trained_for}). */
    public static final String TRAINED_FOR = "colored shapes moving in a stated direction on a colored background";

    /** The bundled model's default generation: 16 frames of 64×64 px, 30 steps, guidance 4, shift 3. */
    public static final ModelConfig.Defaults DEFAULTS = new ModelConfig.Defaults(16, 64, 64, 30, 4.0, 3.0);

    private TinyConfigs() {
    }

    /**
     * The bundled model's sizes: hidden 128, 4 heads, 4 blocks, text 128/4 heads/2 layers, 16 tokens; without pooled
     * text or position features (both opt-in, see {@link TrainTinyModel} and {@link ModelConfig#withConditioning}).
     */
    public static ModelConfig tinyT2v() {
        return new ModelConfig(ModelConfig.ARCHITECTURE, "tiny-t2v", 128, 4, 4, 4, new int[] {1, 4, 4}, 3, 256,
                new int[] {8, 12, 12}, ROPE_THETA, new ModelConfig.TextConfig(128, 4, 2, 16, Vocabulary.WORDS, false), 0,
                DEFAULTS, TRAINED_FOR, 0);
    }

    /** A very small config for tests: hidden 16, 2 heads, 1 block, 1 text layer, pooled text, 2 position frequencies. */
    public static ModelConfig testSized() {
        return new ModelConfig(ModelConfig.ARCHITECTURE, "tiny-test", 16, 2, 1, 4, new int[] {1, 4, 4}, 3, 32,
                new int[] {2, 2, 4}, 10000.0, new ModelConfig.TextConfig(16, 2, 1, 16, Vocabulary.WORDS, true), 0,
                DEFAULTS, TRAINED_FOR, 2);
    }
}
