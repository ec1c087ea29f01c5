package io.tilewise.cli;

import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.bench.Layouts;
import io.tilewise.bench.inspect.Inspection;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tilewise inspect}: a method's plan for a layout — densities, FLOPs, ideal speedup, tile map PNG. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Show what a method spec computes for a token layout, before running it: token and executed "
                + "(tile) density, FLOPs and the ideal speedup over dense; optionally draw the tile mask of one head."})
final class InspectCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--method", required = true, paramLabel = "SPEC", description = "method spec, e.g. radial:decay=0.2")
    String method;

    @Option(names = "--seq-len", paramLabel = "N", description = "tokens in a 1-D sequence (text included); or give --grid")
    Integer seqLen;

    @Option(names = "--grid", paramLabel = "F,H,W", description = "video grid (seqLen = text tokens + F·H·W); or give --seq-len")
    TokenGrid grid;

    @Option(names = "--text-tokens", paramLabel = "N", defaultValue = "0", description = "text tokens (default ${DEFAULT-VALUE})")
    int textTokens;

    @Option(names = "--text-placement", paramLabel = "none|prefix|suffix", defaultValue = "none",
            description = "where the text tokens sit (default ${DEFAULT-VALUE})")
    TextPlacement placement;

    @Option(names = "--heads", paramLabel = "H", defaultValue = "1", description = "attention heads (default ${DEFAULT-VALUE})")
    int heads;

    @Option(names = "--head-dim", paramLabel = "D", defaultValue = "64", description = "head dimension (default ${DEFAULT-VALUE})")
    int headDim;

    @Option(names = "--head", paramLabel = "I", defaultValue = "0", description = "head drawn in --png (default ${DEFAULT-VALUE})")
    int head;

    @Option(names = "--png", paramLabel = "FILE", description = "draw the tile mask: query tiles down, key tiles across")
    Path png;

    @Option(names = "--json", paramLabel = "FILE", description = "write the numbers as a JSON object")
    Path json;

    @Override
    public Integer call() throws Exception {
        AttentionShape shape = new AttentionShape(1, heads, headDim, Layouts.of(seqLen, grid, textTokens, placement));
        Inspection inspection = Inspection.of(method, shape);
        spec.commandLine().getOut().println(inspection.summary());
        if (png != null) {
            inspection.writePng(png, head);
            spec.commandLine().getOut().println("tile map          " + png);
        }
        if (json != null) inspection.writeJson(json);
        return 0;
    }
}
