package io.tilewise.pipeline.family;

import io.tilewise.attention.testkit.SpecialFiles;
import io.tilewise.pipeline.family.tiny.TinyDitFamily;
import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Finding a folder's family: by its declared architecture, with one-line refusals for what no family knows. */
class ModelFoldersTest {

    @TempDir
    Path dir;

    @Test
    void aTinyFolderIsTheTinyFamilysAndItsCardComesFromTheConfigAlone() {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 1);
        assertEquals("tilewise-tiny-dit-v1", ModelFolders.identify(model));
        assertInstanceOf(TinyDitFamily.class, ModelFolders.familyOf(model));
        ModelCard card = ModelFolders.card(model);
        assertEquals(2, card.blocks());
        assertEquals(2, card.heads());
        // patch 1x4x4: 2 frames of 16x16 px are 2x4x4 tokens
        assertEquals(32, card.geometry().grid(2, 16, 16).volume());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> card.geometry().grid(2, 18, 16));
        assertTrue(e.getMessage().contains("height a multiple of 4"), e.getMessage());
    }

    @Test
    void anUnknownDiffusersClassIsNamedWithTheKnownOnes() throws Exception {
        Path model = Files.createDirectories(dir.resolve("cog"));
        Files.writeString(model.resolve("model_index.json"), "{\"_class_name\": \"CogVideoXPipeline\"}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFolders.familyOf(model));
        assertTrue(e.getMessage().contains("no model family for 'CogVideoXPipeline'") && e.getMessage().contains("tiny-dit"),
                e.getMessage());
    }

    @Test
    void aFifoAsTheIndexIsRefusedWithoutBlocking() throws Exception {
        Path model = Files.createDirectories(dir.resolve("fifo"));
        SpecialFiles.fifo(model.resolve("model_index.json"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFolders.familyOf(model));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }

    @Test
    void aMissingFolderIsNamed() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFolders.familyOf(dir.resolve("none")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
