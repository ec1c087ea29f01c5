package io.tilewise.wan.text;

import io.tilewise.pipeline.model.JsonFiles;
import io.tilewise.attention.io.UserFiles;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * WanPipeline's tokenization: the folder's {@code tokenizer/tokenizer.json} through the Hugging Face tokenizers
 * library (Rust, via DJL; offline, see {@link OfflineTokenizers}), called as {@code _get_t5_prompt_embeds} calls
 * {@code T5TokenizerFast}: the prompt cleaned ({@link PromptCleaner}), special tokens added ({@code </s>} by the
 * tokenizer's post-processor), truncated to {@code max_length} (room kept for the special tokens), padded on the right
 * to {@code max_length} with the pad token, attention mask 1 on the real tokens.
 *
 * <p>Padding is done here rather than by the library so that the pad id is the one {@code special_tokens_map.json} /
 * {@code tokenizer_config.json} name ({@code <pad>} by default), as transformers does, whatever the tokenizer.json's
 * own padding section says.
 */
public final class PromptTokenizer implements AutoCloseable {

    /** Token ids {@code [B][maxTokens]} and the real length of each row (its attention mask is 1 there, 0 after). */
    public record Tokens(long[][] ids, int[] lengths) {
    }

    private final HuggingFaceTokenizer tokenizer;
    private final int maxTokens;
    private final long padId;

    private PromptTokenizer(HuggingFaceTokenizer tokenizer, int maxTokens, long padId) {
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        this.padId = padId;
    }

    /**
     * Loads {@code tokenizerDir/tokenizer.json} for sequences of {@code maxTokens}.
     *
     * @throws ModelFormatException when the file is missing or the library refuses it
     */
    public static PromptTokenizer load(Path tokenizerDir, int maxTokens) {
        if (maxTokens < 1) throw new IllegalArgumentException("--max-tokens " + maxTokens + " must be at least 1");
        Path json = tokenizerDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(json)) {
            throw new ModelFormatException(tokenizerDir + ": tokenizer.json is missing (the tokenizer must be a fast "
                    + "tokenizer file; sentencepiece spiece.model alone is not read)");
        }
        OfflineTokenizers.configure();
        HuggingFaceTokenizer tokenizer;
        try {
            HuggingFaceTokenizer.Builder builder = HuggingFaceTokenizer.builder();
            // DJL silently caps max_length at tokenizer_config.json's model_max_length (512 for umt5); transformers
            // truncates at the max_length the pipeline passes, so the cap is raised to it.
            builder.configure(java.util.Map.of("modelMaxLength", String.valueOf(maxTokens)));
            tokenizer = builder
                    .optTokenizerPath(json)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxTokens)
                    .optPadding(false)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(json + ": the tokenizers library cannot load it (" + e.getMessage() + ")", e);
        }
        String padToken = padToken(tokenizerDir);
        Encoding pad = tokenizer.encode(padToken, false, false);
        if (pad.getIds().length != 1) {
            tokenizer.close();
            throw new ModelFormatException(json + ": the pad token " + padToken + " is not one token of the vocabulary");
        }
        return new PromptTokenizer(tokenizer, maxTokens, pad.getIds()[0]);
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** Cleans and tokenizes each prompt. */
    public Tokens tokenize(List<String> prompts) {
        long[][] ids = new long[prompts.size()][maxTokens];
        int[] lengths = new int[prompts.size()];
        for (int b = 0; b < prompts.size(); b++) {
            long[] real = tokenizer.encode(PromptCleaner.clean(prompts.get(b))).getIds();
            if (real.length > maxTokens) throw new IllegalStateException("tokenizer did not truncate to " + maxTokens);
            java.util.Arrays.fill(ids[b], padId);
            System.arraycopy(real, 0, ids[b], 0, real.length);
            lengths[b] = real.length;
        }
        return new Tokens(ids, lengths);
    }

    private static String padToken(Path dir) {
        for (String name : List.of("special_tokens_map.json", "tokenizer_config.json")) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) continue;
            try {
                JsonNode pad = new ObjectMapper().readTree(UserFiles.readUtf8(f, "tokenizer config", JsonFiles.MAX_BYTES)).path("pad_token");
                if (pad.isTextual()) return pad.asText();
                if (pad.path("content").isTextual()) return pad.path("content").asText();
            } catch (IOException e) {
                throw new ModelFormatException(f + ": cannot read it as JSON (" + e.getMessage() + ")");
            }
        }
        return "<pad>";
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
