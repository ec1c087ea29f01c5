package io.tilewise.cli;

import io.tilewise.pipeline.model.ModelConfig;
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
                ModelConfig c = ModelConfig.read(dir.resolve("config.json"));
                out.printf("%s  (%s)%n", dir.getFileName(), dir);
                // "architecture" so the id's "-v1" does not read as a weights version (the bundled weights are retrained)
                out.printf("  architecture %s: hidden %d, %d heads, %d blocks, patch %dx%dx%d%s%s%s%n", c.architecture(), c.hidden(),
                        c.heads(), c.blocks(), c.patch()[0], c.patch()[1], c.patch()[2],
                        c.text().pooled() ? ", pooled text" : "",
                        c.positionFeatures() > 0 ? ", position features " + c.positionFeatures() : "",
                        c.causalChunkFrames() > 0 ? ", block-causal chunks of " + c.causalChunkFrames() + " frames" : "");
                out.printf("  trained for: %s%n", c.trainedFor().isBlank() ? "(not stated)" : c.trainedFor());
                out.printf("  defaults: %d frames of %dx%d px, %d steps, guidance %.1f%n", c.defaults().frames(),
                        c.defaults().width(), c.defaults().height(), c.defaults().steps(), c.defaults().guidance());
                List<String> words = c.text().vocab().stream().filter(w -> !w.startsWith("<")).toList();
                out.printf("  prompt words: %s%n", String.join(" ", words));
            } catch (IllegalArgumentException e) {
                out.printf("%s  (%s)%n  unreadable: %s%n", dir.getFileName(), dir, e.getMessage());
            }
        }
        return 0;
    }
}
