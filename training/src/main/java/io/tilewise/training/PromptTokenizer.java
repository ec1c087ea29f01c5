package io.tilewise.training;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The contract's tokenizer: {@code <bos>}, then lower-cased words split on anything that is not a letter or
 * digit, unknown words dropped, padded with {@code <pad>} (or truncated) to {@code maxTokens}.
 */
public final class PromptTokenizer {

    /**
     * A tokenized prompt.
     *
     * @param ids token ids, length maxTokens
     * @param mask 1 for a real token, 0 for padding
     * @param dropped unknown words that were dropped, in order
     */
    public record Tokens(long[] ids, float[] mask, List<String> dropped) {
    }

    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> vocab;
    private final int maxTokens;

    public PromptTokenizer(List<String> vocab, int maxTokens) {
        this.vocab = List.copyOf(vocab);
        this.maxTokens = maxTokens;
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        if (!Vocabulary.PAD.equals(vocab.get(0)) || !Vocabulary.BOS.equals(vocab.get(1))) {
            throw new IllegalArgumentException("vocab must start with <pad>, <bos>; got " + vocab.subList(0, 2));
        }
    }

    /** Tokenizes {@code prompt}; the empty string gives the unconditional prompt {@code [<bos>]}. */
    public Tokens encode(String prompt) {
        long[] out = new long[maxTokens];
        float[] mask = new float[maxTokens];
        List<String> dropped = new ArrayList<>();
        int n = 0;
        out[n] = 1;
        mask[n++] = 1f;
        for (String word : prompt.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
            if (word.isEmpty()) {
                continue;
            }
            Integer id = ids.get(word);
            if (id == null || id < 2) {
                dropped.add(word);
                continue;
            }
            if (n < maxTokens) {
                out[n] = id;
                mask[n++] = 1f;
            }
        }
        return new Tokens(out, mask, List.copyOf(dropped));
    }

    /** The one-line warning for dropped words, listing the vocabulary; null when nothing was dropped. */
    public String warning(Tokens tokens) {
        if (tokens.dropped().isEmpty()) {
            return null;
        }
        return "unknown words dropped from the prompt: " + tokens.dropped() + " (vocabulary: "
                + String.join(" ", vocab.subList(2, vocab.size())) + ")";
    }
}
