package io.tilewise.wan.weights;

import io.tilewise.pipeline.model.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pipeline folders and lone component folders; what the text-to-video path refuses in model_index.json. */
class DiffusersFolderTest {

    @TempDir
    Path dir;

    private static final String INDEX = "{\"_class_name\": \"WanPipeline\", \"boundary_ratio\": null, \"expand_timesteps\": false,"
            + " \"transformer\": [\"diffusers\", \"WanTransformer3DModel\"], \"transformer_2\": [null, null],"
            + " \"vae\": [\"diffusers\", \"AutoencoderKLWan\"]}";

    private Path pipeline(String index) throws IOException {
        Files.createDirectories(dir.resolve("transformer"));
        Files.writeString(dir.resolve("model_index.json"), index);
        return dir;
    }

    @Test
    void findsTheComponentOfAPipelineOrTakesALoneFolder() throws IOException {
        assertEquals(dir.resolve("transformer"), DiffusersFolder.component(pipeline(INDEX), "transformer", "WanTransformer3DModel"));
        Path lone = Files.createDirectories(dir.resolve("lone"));
        Files.writeString(lone.resolve("config.json"), "{}");
        assertEquals(lone, DiffusersFolder.component(lone, "transformer", "WanTransformer3DModel"));
    }

    @Test
    void refusesWhatTextToVideoDoesNotSupportByName() throws IOException {
        refused(pipeline(INDEX.replace("\"transformer_2\": [null, null]", "\"transformer_2\": [\"diffusers\", \"WanTransformer3DModel\"]")),
                "transformer_2 is [\"diffusers\",\"WanTransformer3DModel\"]; a second transformer (Wan2.2 A14B) is not supported");
        refused(pipeline(INDEX.replace("\"expand_timesteps\": false", "\"expand_timesteps\": true")), "expand_timesteps is true");
        refused(pipeline(INDEX.replace("\"boundary_ratio\": null", "\"boundary_ratio\": 0.875")), "boundary_ratio is 0.875");
        refused(pipeline(INDEX.replace("\"WanPipeline\"", "\"WanImageToVideoPipeline\"")),
                "_class_name is \"WanImageToVideoPipeline\"; only \"WanPipeline\" (Wan2.1 text-to-video) is supported");
        refused(pipeline(INDEX.replace("\"WanTransformer3DModel\"]", "\"Other\"]")), "component transformer is");
    }

    @Test
    void refusesFoldersWithNeitherFileOrWithoutTheComponent() throws IOException {
        refused(dir, "has neither model_index.json (a diffusers pipeline folder) nor config.json");
        Files.writeString(dir.resolve("model_index.json"), INDEX);
        refused(dir, "the transformer/ folder is missing");
        refused(dir.resolve("absent"), "not a folder");
    }

    private static void refused(Path folder, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> DiffusersFolder.component(folder, "transformer", "WanTransformer3DModel"));
        assertTrue(e.getMessage().contains(expected), () -> "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
