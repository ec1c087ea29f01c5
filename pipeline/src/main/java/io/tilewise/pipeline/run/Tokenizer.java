package io.tilewise.pipeline.run;

import io.tilewise.pipeline.model.ModelConfig;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The word-level tokenizer of the contract: {@code <bos>} (id 1), then the lower-cased words of the prompt split on
 * anything that is not a letter or digit, unknown words dropped (reported in {@link Encoding#unknownWords()}),
 * padded with {@code <pad>} (id 0) to {@code max_tokens}; longer prompts are truncated. The unconditional prompt is
 * {@code <bos>} alone.
 */
public final class Tokenizer {

    private final List<String> vocab;
    private final Map<String, Integer> ids = new HashMap<>();
    private final int maxTokens;

    public Tokenizer(List<String> vocab, int maxTokens) {
        this.vocab = List.copyOf(vocab);
        this.maxTokens = maxTokens;
        for (int i = 0; i < vocab.size(); i++) ids.put(vocab.get(i), i);
    }

    public static Tokenizer of(ModelConfig config) {
        return new Tokenizer(config.text().vocab(), config.text().maxTokens());
    }

    /**
     * ids and mask of one prompt (mask 1 = real token), with the words that were dropped.
     *
     * @param truncatedWords words beyond {@code max_tokens − 1} that did not fit
     */
    public record Encoding(long[] ids, float[] mask, List<String> unknownWords, List<String> truncatedWords) {

        /** A one-line warning for dropped or truncated words, or null when every word was used. */
        public String warning(List<String> vocab) {
            List<String> parts = new ArrayList<>();
            if (!unknownWords.isEmpty()) {
                parts.add("words not in the model's vocabulary were ignored: " + String.join(", ", unknownWords)
                        + " (known words: " + String.join(", ", vocab.subList(2, vocab.size())) + ")");
            }
            if (!truncatedWords.isEmpty()) {
                parts.add("prompt longer than " + (ids.length - 1) + " words; ignored: " + String.join(", ", truncatedWords));
            }
            return parts.isEmpty() ? null : String.join("; ", parts);
        }
    }

    public Encoding encode(String prompt) {
        long[] out = new long[maxTokens];
        float[] mask = new float[maxTokens];
        out[0] = 1;
        mask[0] = 1;
        int n = 1;
        List<String> unknown = new ArrayList<>();
        List<String> truncated = new ArrayList<>();
        for (String word : prompt.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (word.isEmpty()) continue;
            Integer id = ids.get(word);
            if (id == null || id < 2) {
                unknown.add(word);
            } else if (n < maxTokens) {
                out[n] = id;
                mask[n++] = 1;
            } else {
                truncated.add(word);
            }
        }
        return new Encoding(out, mask, List.copyOf(unknown), List.copyOf(truncated));
    }

    /** The CFG unconditional prompt: {@code <bos>} alone. */
    public Encoding unconditional() {
        return encode("");
    }

    public List<String> vocab() {
        return vocab;
    }
}
