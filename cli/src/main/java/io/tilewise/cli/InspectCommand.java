package io.tilewise.cli;

import io.tilewise.attention.api.AttentionShape;
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

    @CommandLine.Mixin
    LayoutOptions layoutOptions;

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
        AttentionShape shape = new AttentionShape(1, heads, headDim, layoutOptions.layout());
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
