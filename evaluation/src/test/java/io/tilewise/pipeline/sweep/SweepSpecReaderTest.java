package io.tilewise.pipeline.sweep;

import io.tilewise.pipeline.family.tiny.TinyDitModel;
import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sweep files: the cartesian product in a fixed order, dense references per group, one-line errors naming the key. */
class SweepSpecReaderTest {

    @Test
    void generationCellsAreTheCartesianProductWithDenseFirstPerGroup() {
        SweepSpec spec = SweepSpecReader.parse("""
                {"methods": [{"method": "radial", "params": {"decay": [0.1, 0.2], "block": [16, 32]}},
                             {"method": "gna", "params": {"window": "4x8x8"}, "policy": "dense@steps<2;{spec}"},
                             {"method": "dense"}],
                 "prompts": ["p one", "p two"], "seeds": [3, 4], "sizes": ["4x32x32", "8x32x32"], "steps": 5}
                """, "s.json", null);
        List<SweepCell> cells = SweepGrid.cells(spec, TinyDitModel.card(TinyModels.small(2)).defaults());
        assertEquals(2 * 2 * 2 * (1 + 4 + 1), cells.size());
        assertEquals(List.of("dense", "radial:decay=0.1,block=16", "radial:decay=0.1,block=32", "radial:decay=0.2,block=16",
                        "radial:decay=0.2,block=32", "dense@steps<2;gna:window=4x8x8"),
                cells.subList(0, 6).stream().map(c -> c.point().policy()).toList());
        SweepCell first = cells.getFirst(), last = cells.getLast();
        assertEquals("4x32x32 | seed 3 | p one", first.group());
        assertEquals("8x32x32 | seed 4 | p two", last.group());
        assertEquals(cells.size(), cells.stream().map(SweepCell::key).distinct().count(), "keys are unique");
        for (int i = 0; i < cells.size(); i++) assertEquals(i, cells.get(i).index());
        assertEquals(5, spec.steps());
    }

    @Test
    void noSizesMeansTheModelDefault() {
        SweepSpec spec = SweepSpecReader.parse("{\"methods\": [{\"method\": \"pisa\"}], \"prompts\": [\"x\"]}", "s.json", null);
        List<SweepCell> cells = SweepGrid.cells(spec, TinyDitModel.card(TinyModels.small(2)).defaults());
        assertEquals(2, cells.size());
        assertEquals("2x16x16", cells.get(1).size().toString());
        assertEquals(List.of(0L), spec.seeds());
    }

    @Test
    void attentionCellsAreMethodsTimesShapesTimesSeeds() {
        SweepSpec spec = SweepSpecReader.parse("""
                {"level": "attention", "methods": [{"method": "dense"}, {"method": "pisa", "params": {"density": [0.1, 0.2]}}],
                 "shapes": [{"grid": "4x8x8", "heads": 2, "head_dim": 16}, {"grid": "2x8x8", "heads": 1, "head_dim": 8,
                             "text_tokens": 4, "text_placement": "suffix", "std": 2}],
                 "seeds": [1, 2], "repeats": 2}
                """, "s.json", Path.of("/tmp"));
        List<SweepCell> cells = SweepGrid.cells(spec, null);
        assertEquals(3 * 2 * 2, cells.size());
        assertEquals("pisa:density=0.1 | 4x8x8 h2 d16 | seed 1", cells.get(1).key());
        assertEquals("2x8x8 h1 d8 text 4 suffix std 2.0", cells.getLast().shape().toString());
        assertEquals(2, spec.repeats());
    }

    @Test
    void mistakesAreOneLineNamingTheKey() {
        assertError("{\"methods\": [{\"method\": \"radial\"}], \"prompts\": [\"x\"], \"sezes\": []}", "s.json: sezes: unknown key");
        assertError("{\"level\": \"layer\", \"methods\": [{\"method\": \"radial\"}]}", "s.json: level: 'layer' is not a level");
        assertError("{\"methods\": [], \"prompts\": [\"x\"]}", "s.json: methods: expected a non-empty list");
        assertError("{\"methods\": [{\"method\": \"radial\", \"params\": {\"decay\": []}}], \"prompts\": [\"x\"]}",
                "s.json: methods[0].params.decay: expected at least one value");
        assertError("{\"methods\": [{\"method\": \"radial\"}], \"prompts\": [\"x\"], \"sizes\": [\"16x64\"]}", "s.json: sizes[0]: size '16x64'");
        assertError("{\"methods\": [{\"method\": \"radial\"}], \"prompts\": [\"x\"], \"steps\": 0}", "s.json: steps: 0 is not in 1..10000");
        assertError("{\"methods\": [{\"method\": \"radial\"}]}", "s.json: prompts: missing");
        assertError("{\"methods\": [{\"method\": \"radial\", \"policy\": \"dense@steps<2\"}], \"prompts\": [\"x\"]}", "must contain {spec}");
        assertError("{\"level\": \"attention\", \"methods\": [{\"method\": \"radial\"}], \"shapes\": [{\"grid\": \"4x4\"}]}",
                "s.json: shapes[0]: grid '4x4'");
        assertError("{\"level\": \"attention\", \"methods\": [{\"method\": \"radial\"}], \"shapes\": [{\"grid\": \"4x4x4\"}], \"prompts\": [\"x\"]}",
                "s.json: prompts: only for level generation");
        assertError("{\"methods\": [", "s.json is not valid JSON");
    }

    private static void assertError(String json, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SweepSpecReader.parse(json, "s.json", null));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
}
