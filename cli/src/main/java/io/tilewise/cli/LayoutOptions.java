package io.tilewise.cli;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.bench.Layouts;
import picocli.CommandLine.Option;

/** The token-layout options shared by commands that make synthetic inputs ({@code bench attention}, {@code inspect}). */
final class LayoutOptions {

    @Option(names = "--seq-len", paramLabel = "N", description = "tokens in a 1-D sequence (text included); or give --grid")
    Integer seqLen;

    @Option(names = "--grid", paramLabel = "F,H,W", description = "video grid (seqLen = text tokens + F·H·W); or give --seq-len")
    TokenGrid grid;

    @Option(names = "--text-tokens", paramLabel = "N", defaultValue = "0", description = "text tokens (default ${DEFAULT-VALUE})")
    int textTokens;

    @Option(names = "--text-placement", paramLabel = "none|prefix|suffix", defaultValue = "none",
            description = "where the text tokens sit (default ${DEFAULT-VALUE})")
    TextPlacement placement;

    TokenLayout layout() {
        return Layouts.of(seqLen, grid, textTokens, placement);
    }
}
