package io.tilewise.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Where models live: the bundled {@code models/} of the installation (the launcher passes its root as
 * {@code tilewise.home}), then the folders in {@code TILEWISE_MODELS} (path-separated). A model is named by its
 * folder name or given as a path.
 */
final class ModelLocations {

    static final String DEFAULT_MODEL = "tiny-t2v";

    private ModelLocations() {
    }

    static List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        roots.add(Path.of(System.getProperty("tilewise.home", ".")).resolve("models"));
        String extra = System.getenv("TILEWISE_MODELS");
        if (extra != null && !extra.isBlank()) {
            for (String p : extra.split(java.io.File.pathSeparator)) if (!p.isBlank()) roots.add(Path.of(p));
        }
        return roots;
    }

    /** A directory given as a path, or the first model folder of that name under {@link #roots()}. */
    static Path resolve(String model) {
        Path asPath = Path.of(model);
        if (Files.isDirectory(asPath)) return asPath;
        for (Path root : roots()) {
            Path candidate = root.resolve(model);
            if (Files.isDirectory(candidate)) return candidate;
        }
        throw new IllegalArgumentException("--model " + model + ": no such model directory (looked in "
                + roots().stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse("") + "); see tilewise models");
    }

    /** Every folder under the roots that holds a model: a config.json, or a diffusers pipeline's model_index.json. */
    static List<Path> all() throws IOException {
        List<Path> models = new ArrayList<>();
        for (Path root : roots()) {
            if (!Files.isDirectory(root)) continue;
            try (Stream<Path> dirs = Files.list(root)) {
                dirs.filter(d -> Files.isRegularFile(d.resolve("config.json")) || Files.isRegularFile(d.resolve("model_index.json"))).sorted().forEach(models::add);
            }
        }
        return models;
    }
}
