package io.tilewise.pipeline.family;

import java.nio.file.Path;
import java.util.List;

/**
 * One model architecture Tilewise can generate with (the bundled tiny DiT, Wan2.1, …). A family recognizes its model
 * folders from their config files alone, validates a folder completely before anything runs, and opens it as a
 * {@link DenoiserModel}; the generation loop, the policies and every command work on that interface and never on a
 * family's own classes. Families are found with {@link java.util.ServiceLoader} ({@code META-INF/services}), so a
 * family plugs in by its own module.
 */
public interface ModelFamily {

    /** Short id shown to users, e.g. {@code tiny-dit}. */
    String id();

    /** The config identifiers this family accepts (an {@code architecture} value or a diffusers {@code _class_name}). */
    List<String> identifiers();

    /**
     * Whether the folder is one of this family's: a look at its config files (bounded reads), nothing loaded.
     * {@code identifier} is what {@link ModelFolders#identify} read from the folder (may be null).
     */
    boolean recognizes(Path dir, String identifier);

    /**
     * What the folder's config files say of the model (no weights read): for planning, dry runs and defaults.
     *
     * @throws io.tilewise.pipeline.model.ModelFormatException naming the file and what is wrong
     */
    ModelCard card(Path dir);

    /**
     * Loads and validates the folder (every tensor's name, shape and dtype before any session is built).
     *
     * @throws io.tilewise.pipeline.model.ModelFormatException naming the file and what is wrong
     */
    DenoiserModel open(Path dir, StageOptions options);
}
