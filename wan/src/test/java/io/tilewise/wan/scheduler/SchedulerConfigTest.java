package io.tilewise.wan.scheduler;

import io.tilewise.pipeline.model.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SchedulerConfigTest {

    @TempDir
    Path tmp;

    private static Path golden() throws Exception {
        return Path.of(SchedulerConfigTest.class.getResource("/golden/pipeline/model/scheduler/scheduler_config.json").toURI());
    }

    @Test
    void readsWansReleaseConfig() throws Exception {
        SchedulerConfig c = SchedulerConfig.read(golden());
        assertEquals(SchedulerConfig.UNIPC, c.className());
        assertEquals(1000, c.numTrainTimesteps());
        assertEquals(3.0, c.flowShift());
        assertEquals(3.0, c.eulerShift());
        assertEquals(2, c.solverOrder());
        assertEquals("bh2", c.solverType());
        assertTrue(c.lowerOrderFinal());
        assertEquals(List.of(), c.disableCorrector());
        assertEquals("zero", c.finalSigmasType());
        assertEquals(SchedulerConfig.wanUniPc(3.0), c);
        assertInstanceOf(UniPcScheduler.class, WanScheduler.create("unipc", c));
        assertInstanceOf(FlowMatchEulerScheduler.class, WanScheduler.create("euler", c));
    }

    private String goldenWith(String field, String value) throws Exception {
        String text = Files.readString(golden());
        String replaced = text.replaceFirst("\"" + field + "\": [^,\\n]+", "\"" + field + "\": " + value);
        assertTrue(!replaced.equals(text) || text.contains("\"" + field + "\": " + value), field);
        return replaced;
    }

    private ModelFormatException refused(String json) {
        return assertThrows(ModelFormatException.class, () -> SchedulerConfig.parse(json, "scheduler_config.json"));
    }

    @Test
    void refusesUnknownClassesByName() throws Exception {
        var e = refused(goldenWith("_class_name", "\"DDIMScheduler\""));
        assertTrue(e.getMessage().contains("DDIMScheduler"), e.getMessage());
        refused("{\"flow_shift\": 3.0}");
        refused("[1, 2]");
        refused("{not json");
    }

    @Test
    void refusesSettingsItDoesNotImplement() throws Exception {
        String[][] cases = {
                {"use_karras_sigmas", "true"},
                {"use_flow_sigmas", "false"},
                {"prediction_type", "\"epsilon\""},
                {"thresholding", "true"},
                {"use_dynamic_shifting", "true"},
                {"shift_terminal", "0.1"},
                {"solver_order", "0"},
                {"solver_type", "\"euler\""},
                {"final_sigmas_type", "\"one\""},
                {"flow_shift", "\"3\""},
                {"disable_corrector", "[\"a\"]"},
                {"predict_x0", "false"},
        };
        for (String[] c : cases) {
            var e = refused(goldenWith(c[0], c[1]));
            assertTrue(e.getMessage().contains(c[0]), c[0] + ": " + e.getMessage());
            assertTrue(!e.getMessage().contains("\n"));
        }
        var nan = refused(goldenWith("solver_type", "\"bh1\""));
        assertTrue(nan.getMessage().contains("bh1") && nan.getMessage().contains("final_sigmas_type"), nan.getMessage());
        var lof = refused(goldenWith("lower_order_final", "false"));
        assertTrue(lof.getMessage().contains("lower_order_final"), lof.getMessage());
        // use_flow_sigmas absent means diffusers' default (false): refused too.
        var e = refused(Files.readString(golden()).replace("\"use_flow_sigmas\": true,", ""));
        assertTrue(e.getMessage().contains("use_flow_sigmas"), e.getMessage());
    }

    @Test
    void dpmSolverNamesMapToBh2AndListsAreRead() throws Exception {
        SchedulerConfig c = SchedulerConfig.parse(goldenWith("solver_type", "\"midpoint\"")
                .replace("\"disable_corrector\": []", "\"disable_corrector\": [0, 2]"), "x");
        assertEquals("bh2", c.solverType());
        assertEquals(List.of(0, 2), c.disableCorrector());
    }

    @Test
    void readsEulerConfigs() {
        SchedulerConfig c = SchedulerConfig.parse("{\"_class_name\": \"FlowMatchEulerDiscreteScheduler\", \"shift\": 5.0,"
                + " \"num_train_timesteps\": 1000}", "x");
        assertEquals(5.0, c.eulerShift());
        assertInstanceOf(FlowMatchEulerScheduler.class, WanScheduler.create("euler", c));
        var e = assertThrows(ModelFormatException.class, () -> WanScheduler.create("unipc", c));
        assertTrue(e.getMessage().contains(SchedulerConfig.EULER), e.getMessage());
        var bad = assertThrows(ModelFormatException.class, () -> SchedulerConfig.parse(
                "{\"_class_name\": \"FlowMatchEulerDiscreteScheduler\", \"invert_sigmas\": true}", "x"));
        assertTrue(bad.getMessage().contains("invert_sigmas"));
        var name = assertThrows(IllegalArgumentException.class, () -> WanScheduler.create("ddim", c));
        assertTrue(name.getMessage().contains("ddim"));
    }

    @Test
    void refusesBadFiles() throws Exception {
        var missing = assertThrows(ModelFormatException.class, () -> SchedulerConfig.read(tmp.resolve("none.json")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        var dir = assertThrows(ModelFormatException.class, () -> SchedulerConfig.read(tmp));
        assertTrue(dir.getMessage().contains("not a regular file"), dir.getMessage());
        Path big = tmp.resolve("big.json");
        Files.write(big, new byte[SchedulerConfig.MAX_FILE_BYTES + 1]);
        var tooBig = assertThrows(ModelFormatException.class, () -> SchedulerConfig.read(big));
        assertTrue(tooBig.getMessage().contains("larger than"), tooBig.getMessage());
        Path latin = tmp.resolve("latin.json");
        Files.write(latin, new byte[] {'{', '"', (byte) 0xe9, '"', ':', '1', '}'});
        var utf = assertThrows(ModelFormatException.class, () -> SchedulerConfig.read(latin));
        assertTrue(utf.getMessage().contains("UTF-8"), utf.getMessage());
        Path link = tmp.resolve("link.json");
        Files.createSymbolicLink(link, golden());
        assertEquals(SchedulerConfig.UNIPC, SchedulerConfig.read(link).className());
    }
}
