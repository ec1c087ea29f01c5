package io.tilewise.pipeline.family.tiny;

import io.tilewise.pipeline.family.DenoiserModel;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.family.ModelFamily;
import io.tilewise.pipeline.family.StageOptions;
import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.ModelDirectory;

import java.nio.file.Path;
import java.util.List;

/**
 * The bundled tiny DiT ({@code tilewise-tiny-dit-v1}, bidirectional or block-causal): a folder with Tilewise's own
 * {@code config.json} and {@code weights.safetensors}.
 */
public final class TinyDitFamily implements ModelFamily {

    public static final String ID = "tiny-dit";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public List<String> identifiers() {
        return List.of(ModelConfig.ARCHITECTURE);
    }

    @Override
    public boolean recognizes(Path dir, String identifier) {
        return ModelConfig.ARCHITECTURE.equals(identifier);
    }

    @Override
    public ModelCard card(Path dir) {
        return TinyDitModel.card(ModelConfig.read(dir.resolve(ModelDirectory.CONFIG)));
    }

    @Override
    public DenoiserModel open(Path dir, StageOptions options) {
        return new TinyDitModel(ModelDirectory.load(dir).weights(), options);
    }
}
