package io.tilewise.cli;

import io.tilewise.pipeline.family.TokenGeometry;
import io.tilewise.pipeline.family.ModelFolders;
import io.tilewise.pipeline.family.ModelCard;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code tilewise models}: bundled and installed models, what they were trained for, their prompt words. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "List bundled and installed models (models/ of the installation and $TILEWISE_MODELS).")
final class ModelsCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<Path> models = ModelLocations.all();
        if (models.isEmpty()) {
            out.println("no models found in " + ModelLocations.roots());
            return 0;
        }
        for (Path dir : models) {
            try {
                ModelCard c = ModelFolders.card(dir);
                TokenGeometry g = c.geometry();
                out.printf("%s  (%s)%n", dir.getFileName(), dir);
                out.printf("  %s (%s): %d heads x %d, %d blocks, %dx%dx%d video frames/pixels per token%s%n", c.modelId(), c.family(),
                        c.heads(), c.headDim(), c.blocks(), g.frameStride(), g.heightStride(), g.widthStride(),
                        c.causalChunkFrames() > 0 ? ", block-causal chunks of " + c.causalChunkFrames() + " frames" : "");
                out.printf("  trained for: %s%n", c.trainedFor().isBlank() ? "(not stated)" : c.trainedFor());
                out.printf("  defaults: %d frames of %dx%d px, %d steps, guidance %.1f%n", c.defaults().frames(),
                        c.defaults().width(), c.defaults().height(), c.defaults().steps(), c.defaults().guidance());
                out.printf("  prompt words: %s%n", c.promptWords().isEmpty() ? "(free text)" : String.join(" ", c.promptWords()));
            } catch (IllegalArgumentException e) {
                out.printf("%s  (%s)%n  unreadable: %s%n", dir.getFileName(), dir, e.getMessage());
            }
        }
        return 0;
    }
}
