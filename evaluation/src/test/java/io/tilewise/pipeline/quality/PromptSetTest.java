package io.tilewise.pipeline.quality;

import io.tilewise.pipeline.model.ModelConfig;
import io.tilewise.pipeline.model.TinyModels;
import io.tilewise.pipeline.run.Tokenizer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptSetTest {

    /** The 24 prompts as of 637c344, where the bundled defaults were tuned: they must never change. */
    private static final List<String> STANDARD = List.of(
            "a red circle moving left on a gray background",
            "a green square moving right on a black background",
            "a blue triangle moving up on a red background",
            "a yellow circle moving down on a green background",
            "a white square moving left on a blue background",
            "a purple triangle moving right on a white background",
            "a orange circle moving up on a gray background",
            "a cyan square moving down on a black background",
            "a red triangle moving right on a black background",
            "a green circle moving up on a red background",
            "a blue square moving down on a green background",
            "a yellow triangle moving left on a white background",
            "a white circle moving right on a gray background",
            "a purple square moving up on a black background",
            "a orange triangle moving down on a red background",
            "a cyan circle moving left on a green background",
            "a red square moving up on a blue background",
            "a green triangle moving down on a white background",
            "a blue circle moving left on a gray background",
            "a yellow square moving right on a black background",
            "a white triangle moving up on a red background",
            "a purple circle moving down on a green background",
            "a orange square moving left on a blue background",
            "a cyan triangle moving right on a white background");

    @Test
    void theStandardSetIsUnchanged() {
        assertEquals(STANDARD, PromptSet.standard().stream().map(PromptSet.Scene::prompt).toList());
    }

    @Test
    void heldOutCoversEveryColorAndDirectionWithBalancedShapesAndBackgrounds() {
        List<PromptSet.Scene> scenes = PromptSet.heldOut();
        assertTrue(scenes.size() >= 48, "size " + scenes.size());
        assertEquals(scenes.size(), new HashSet<>(scenes).size(), "a scene repeats");
        Set<List<String>> pairs = new HashSet<>();
        Map<String, Integer> shapes = new HashMap<>(), backgrounds = new HashMap<>();
        Map<List<String>, Integer> shapeByDirection = new HashMap<>();
        for (PromptSet.Scene s : scenes) {
            assertNotEquals(s.color(), s.background(), s.prompt());
            assertTrue(Palette.COLORS.contains(s.color()) && Palette.SHAPES.contains(s.shape())
                    && Palette.DIRECTIONS.contains(s.direction()) && Palette.BACKGROUNDS.contains(s.background()), s.prompt());
            pairs.add(List.of(s.color(), s.direction()));
            shapes.merge(s.shape(), 1, Integer::sum);
            backgrounds.merge(s.background(), 1, Integer::sum);
            shapeByDirection.merge(List.of(s.direction(), s.shape()), 1, Integer::sum);
        }
        assertEquals(Palette.COLORS.size() * Palette.DIRECTIONS.size(), pairs.size(), "color x direction pairs " + pairs);
        assertEquals(Set.copyOf(Palette.SHAPES), shapes.keySet());
        assertTrue(spread(shapes) <= 1, "shape counts " + shapes);
        assertEquals(Palette.DIRECTIONS.size() * Palette.SHAPES.size(), shapeByDirection.size(), shapeByDirection.toString());
        assertTrue(spread(shapeByDirection) <= 1, "shapes per direction " + shapeByDirection);
        assertEquals(Set.copyOf(Palette.BACKGROUNDS), backgrounds.keySet());
        assertTrue(spread(backgrounds) <= 1, "background counts " + backgrounds);
    }

    @Test
    void heldOutSharesNoSceneAndNoColorShapeDirectionWithTheStandardSet() {
        Set<List<String>> tuned = new HashSet<>();
        for (PromptSet.Scene s : PromptSet.standard()) tuned.add(List.of(s.color(), s.shape(), s.direction()));
        for (PromptSet.Scene s : PromptSet.heldOut()) {
            assertFalse(PromptSet.standard().contains(s), s.prompt());
            assertFalse(tuned.contains(List.of(s.color(), s.shape(), s.direction())), s.prompt());
        }
    }

    @Test
    void heldOutIsTheSameOnEveryCall() {
        assertEquals(PromptSet.heldOut(), PromptSet.heldOut());
        assertEquals(PromptSet.HELD_OUT_SIZE, PromptSet.heldOut().size());
    }

    @Test
    void everyPromptWordIsInTheModelsVocabularyAndFitsItsTokens() {
        ModelConfig bundled = ModelConfig.read(Path.of("..", "models", "tiny-t2v", "config.json"));
        assertEquals(TinyModels.VOCAB, bundled.text().vocab());
        Tokenizer tokenizer = new Tokenizer(bundled.text().vocab(), bundled.text().maxTokens());
        for (List<PromptSet.Scene> set : List.of(PromptSet.standard(), PromptSet.heldOut())) {
            for (PromptSet.Scene s : set) {
                Tokenizer.Encoding e = tokenizer.encode(s.prompt());
                assertEquals(List.of(), e.unknownWords(), s.prompt());
                // <bos> + the prompt's words, none cut off at max_tokens
                assertEquals(1 + s.prompt().split(" ").length, count(e.mask()), s.prompt());
                assertEquals(s, PromptAttributes.parse(s.prompt()), s.prompt());
            }
        }
    }

    private static int count(float[] mask) {
        int n = 0;
        for (float m : mask) n += m > 0 ? 1 : 0;
        return n;
    }

    private static int spread(Map<?, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow()
                - counts.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
    }
}
