package io.tilewise.cli;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.bench.files.NpyAttention;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tilewise attention}: one attention call on .npy files. */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = {"Run one attention method on q, k, v from .npy files and write the output (and log-sum-exp).",
                "Inputs: float32 [batch, heads, seqLen, headDim] or [heads, seqLen, headDim]; the output has the same shape."})
final class AttentionCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--method", required = true, paramLabel = "SPEC",
            description = "method spec, e.g. dense or blocksparse:keep=0.25 (see tilewise methods)")
    String method;

    @Option(names = "--q", required = true, paramLabel = "FILE", description = "queries (.npy)")
    Path q;

    @Option(names = "--k", required = true, paramLabel = "FILE", description = "keys (.npy)")
    Path k;

    @Option(names = "--v", required = true, paramLabel = "FILE", description = "values (.npy)")
    Path v;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "output (.npy), written atomically")
    Path out;

    @Option(names = "--lse", paramLabel = "FILE", description = "log-sum-exp per query row (.npy): [batch, heads, seqLen] or [heads, seqLen]")
    Path lse;

    @Option(names = "--grid", paramLabel = "F,H,W", description = "video grid; seqLen must equal text tokens + F·H·W (default: a 1-D sequence)")
    TokenGrid grid;

    @Option(names = "--text-tokens", paramLabel = "N", defaultValue = "0", description = "text tokens in the sequence (default ${DEFAULT-VALUE})")
    int textTokens;

    @Option(names = "--text-placement", paramLabel = "none|prefix|suffix", defaultValue = "none",
            description = "where the text tokens sit (default ${DEFAULT-VALUE})")
    TextPlacement placement;

    @Option(names = "--scale", paramLabel = "X", description = "softmax scale (default 1/sqrt(headDim))")
    Float scale;

    @Option(names = "--compare-dense", description = "also run the fp64 dense reference and print relL2, cosine and maxAbs against it")
    boolean compareDense;

    @Override
    public Integer call() throws Exception {
        NpyAttention.Result result = NpyAttention.run(new NpyAttention.Request(method, q, k, v, out, lse, grid,
                textTokens, placement, scale, compareDense));
        // Non-finite values are reported, not refused: the output is written so that their spread can be inspected.
        for (String warning : result.warnings()) {
            spec.commandLine().getErr().println("tilewise attention: warning: " + Messages.oneLine(warning));
        }
        spec.commandLine().getOut().println(result.summary());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
