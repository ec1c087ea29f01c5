package io.tilewise.wan.text;

import io.tilewise.pipeline.model.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The golden text encoder config reads as written; unsupported fields are refused by name. */
class Umt5ConfigTest {

    static final Path GOLDEN = Path.of("src/test/resources/golden/pipeline/model/text_encoder/config.json");

    @TempDir
    Path tmp;

    @Test
    void readsTheGoldenConfig() {
        Umt5Config c = Umt5Config.read(GOLDEN);
        assertEquals(new Umt5Config(true, 32, 8, 37, 2, 4, 67, 32, 128, 1e-6f), c);
        assertTrue(c.hasBias(1));
        assertFalse(new Umt5Config(false, 32, 8, 37, 2, 4, 67, 32, 128, 1e-6f).hasBias(1));
    }

    @Test
    void refusesOtherFeedForwardsAndModelTypes() throws Exception {
        String golden = Files.readString(GOLDEN);
        assertRefused(golden.replace("\"feed_forward_proj\": \"gated-gelu\"", "\"feed_forward_proj\": \"relu\""), "feed_forward_proj \"relu\"");
        assertRefused(golden.replace("\"dense_act_fn\": \"gelu_new\"", "\"dense_act_fn\": \"silu\""), "dense_act_fn \"silu\"");
        assertRefused(golden.replace("\"model_type\": \"umt5\"", "\"model_type\": \"bert\""), "model_type is \"bert\"");
        assertRefused(golden.replace("\"num_heads\": 4", "\"num_heads\": 0"), "num_heads is 0");
        assertRefused(golden.replace("\"d_model\": 32,", ""), "d_model is missing");
    }

    private void assertRefused(String json, String expected) throws Exception {
        Path f = tmp.resolve("config.json");
        Files.writeString(f, json);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Umt5Config.read(f));
        assertTrue(e.getMessage().contains(expected) && e.getMessage().contains("config.json"), e.getMessage());
    }
}
