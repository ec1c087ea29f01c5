package io.tilewise.wan.text;

import io.tilewise.pipeline.model.ModelFormatException;

import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * WanPipeline's {@code _get_t5_prompt_embeds}: prompts → {@code [B, N, d_model]} text states as the transformer
 * receives them. Cleaned and tokenized ({@link PromptTokenizer}), encoded by the UMT5 encoder ({@link Umt5Encoder}),
 * cut to each prompt's real tokens and padded back to {@code N} with zero rows.
 */
public final class PromptEncoder implements AutoCloseable {

    /** WanPipeline's {@code max_sequence_length} default for Wan2.1 text-to-video. */
    public static final int DEFAULT_MAX_TOKENS = 512;

    private final PromptTokenizer tokenizer;
    private final Umt5Encoder encoder;

    private PromptEncoder(PromptTokenizer tokenizer, Umt5Encoder encoder) {
        this.tokenizer = tokenizer;
        this.encoder = encoder;
    }

    /**
     * Checks and opens the text side of the pipeline folder {@code modelDir}.
     *
     * @throws ModelFormatException naming the part ({@code text_encoder}, {@code tokenizer}) that is missing or wrong
     */
    public static PromptEncoder open(Path modelDir, int maxTokens, int threads) {
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens " + maxTokens + " must be at least 1");
        TextEncoderFolder folder = TextEncoderFolder.of(modelDir);
        Umt5Config config = folder.config();
        Umt5Checkpoint checkpoint;
        try {
            checkpoint = Umt5Checkpoint.check(folder.textEncoder(), config);
        } catch (ModelFormatException e) {
            throw new ModelFormatException("text_encoder: " + e.getMessage(), e);
        }
        PromptTokenizer tokenizer;
        try {
            tokenizer = PromptTokenizer.load(folder.tokenizer(), maxTokens);
        } catch (ModelFormatException e) {
            throw new ModelFormatException("tokenizer: " + e.getMessage(), e);
        }
        try {
            return new PromptEncoder(tokenizer, new Umt5Encoder(checkpoint, threads));
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    public int maxTokens() {
        return tokenizer.maxTokens();
    }

    public int dModel() {
        return encoder.config().dModel();
    }

    public PromptTokenizer tokenizer() {
        return tokenizer;
    }

    /** {@code [prompts.size(), maxTokens, d_model]} row-major; {@code layerDone} sees blocks done (may be null). */
    public float[] encode(List<String> prompts, IntConsumer layerDone) {
        PromptTokenizer.Tokens tokens = tokenizer.tokenize(prompts);
        return encoder.encode(tokens.ids(), tokens.lengths(), layerDone);
    }

    /** The number of encoder blocks (for progress). */
    public int layers() {
        return encoder.config().layers();
    }

    @Override
    public void close() {
        try {
            encoder.close();
        } finally {
            tokenizer.close();
        }
    }
}
