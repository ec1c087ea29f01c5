package io.tilewise.wan.text;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Child JVM of {@link TokenizerOfflineTest}: loads a tokenizer folder and prints the ids of a prompt. */
public final class TokenizerOfflineMain {

    private TokenizerOfflineMain() {
    }

    public static void main(String[] args) {
        try (PromptTokenizer t = PromptTokenizer.load(Path.of(args[0]), 8)) {
            System.out.println(Arrays.toString(t.tokenize(List.of(args[1])).ids()[0]));
        }
    }
}
