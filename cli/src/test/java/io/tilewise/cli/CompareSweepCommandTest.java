package io.tilewise.cli;

import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tilewise compare} and {@code tilewise sweep} on a random tiny model: reports, dry run, resume, and mistakes. */
class CompareSweepCommandTest {

    @TempDir
    Path dir;
    private Path model;

    @BeforeEach
    void model() {
        model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(2), 5);
    }

    @Test
    void compareWritesTheReportAndPrintsTheTable() throws Exception {
        Path out = dir.resolve("report");
        CliRun run = CliRun.of("compare", "--model", model.toString(), "--prompt", "a red circle moving right on a blue background",
                "--attention", "dense,radial:decay=0.1,block=8,pisa:density=0.5,block=8", "--frames", "2", "--steps", "2",
                "--probe-every", "1", "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err(), "no progress outside a terminal");
        assertTrue(run.out().contains("| radial:decay=0.1,block=8 |") && run.out().contains("| pisa:density=0.5,block=8 |"), run.out());
        assertTrue(run.out().contains("wrote ") && run.out().contains("report.html"), run.out());
        for (String f : List.of("report.json", "report.md", "report.html", "pareto.png", "method-1-radial.webm", "method-2-pisa-error.png")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
    }

    @Test
    void compareMistakesAreOneLineAndWriteNothing() throws Exception {
        Path out = dir.resolve("nothing");
        String base = "compare --model " + model + " --prompt x --frames 2 --steps 2 --out " + out;
        userError(base + " --attention radial:decay=-1", "radial: decay=-1");
        userError(base + " --attention gna:window=9x9x9", "gna:window=9x9x9 cannot run");
        userError(base + " --attention dense", "no policy other than dense");
        userError(base + " --attention radial --repeats 0", "repeats 0");
        userError(base + " --attention radial,radial", "listed twice");
        Files.writeString(dir.resolve("file"), "x");
        userError("compare --model " + model + " --prompt x --attention radial --out " + dir.resolve("file"), "is a file");
        userError("compare --model " + model + " --prompt x --attention radial --out " + dir.resolve("no/such/dir"), "does not exist");
        assertFalse(Files.exists(out));
    }

    @Test
    void sweepDryRunRunResumeAndRefusal() throws Exception {
        Path spec = dir.resolve("sweep.json");
        Files.writeString(spec, """
                {"methods": [{"method": "radial", "params": {"decay": [0.1], "block": [8]}},
                             {"method": "gna", "params": {"window": ["2x3x3", "9x9x9"]}}],
                 "prompts": ["a red circle moving right on a blue background"], "seeds": [0], "sizes": ["2x16x16"], "steps": 2}
                """);
        Path out = dir.resolve("sweep");
        CliRun dry = CliRun.of("sweep", "--spec", spec.toString(), "--out", out.toString(), "--model", model.toString(), "--dry-run");
        assertEquals(0, dry.exitCode(), dry.err());
        assertTrue(dry.out().contains("4 cells: 3 supported, 1 unsupported") && dry.out().contains("why: gna:window=9x9x9"), dry.out());
        assertFalse(Files.exists(out), "a dry run writes nothing");

        CliRun run = CliRun.of("sweep", "--spec", spec.toString(), "--out", out.toString(), "--model", model.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("ran 4 cells, skipped 0"), run.out());
        assertEquals(4, Files.readAllLines(out.resolve("results.jsonl")).size());

        userError("sweep --spec " + spec + " --out " + out + " --model " + model, "add --resume");
        CliRun resumed = CliRun.of("sweep", "--spec", spec.toString(), "--out", out.toString(), "--model", model.toString(), "--resume");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("ran 0 cells, skipped 4"), resumed.out());

        Files.writeString(dir.resolve("bad.json"), "{\"methods\": [{\"method\": \"radial\"}], \"prompts\": [\"x\"], \"seeds\": [\"a\"]}");
        userError("sweep --spec " + dir.resolve("bad.json") + " --out " + dir.resolve("s2"), "bad.json: seeds[0]: expected an integer");
        userError("sweep --spec " + dir.resolve("none.json") + " --out " + dir.resolve("s2"), "no such file");
    }

    @Test
    void capturedQkvFeedAnOperatorSweep() throws Exception {
        Path cap = dir.resolve("cap");
        CliRun run = CliRun.of("capture", "--model", model.toString(), "--prompt", "a red circle moving right on a blue background",
                "--frames", "2", "--steps", "2", "--at", "0:0,1:1", "--out", cap.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("wrote 6 files") && run.out().contains("token grid 2x4x4, 2 heads, head dim 8"), run.out());
        var q = io.tilewise.attention.io.Npy.read(cap.resolve("step1-layer1-q.npy"));
        assertEquals(List.of(1, 2, 32, 8), java.util.Arrays.stream(q.shape()).boxed().toList());
        Path spec = dir.resolve("ops.json");
        Files.writeString(spec, """
                {"level": "attention", "methods": [{"method": "gna", "params": {"window": ["2x3x3"]}}],
                 "shapes": [{"grid": "2x4x4", "heads": 2, "head_dim": 8,
                             "q": "cap/step1-layer1-q.npy", "k": "cap/step1-layer1-k.npy", "v": "cap/step1-layer1-v.npy"}],
                 "repeats": 1}
                """);
        CliRun sweep = CliRun.of("sweep", "--spec", spec.toString(), "--out", dir.resolve("ops").toString());
        assertEquals(0, sweep.exitCode(), sweep.err());
        assertTrue(sweep.out().contains("| gna:window=2x3x3 | 2x4x4 h2 d8 captured step1-layer1-q.npy |") && sweep.out().contains("| ok |"),
                sweep.out());
        userError("capture --model " + model + " --prompt x --steps 2 --at 2:0 --out " + dir.resolve("c2"), "outside steps 0..1");
        userError("capture --model " + model + " --prompt x --at 1-1 --out " + dir.resolve("c2"), "must be STEP:LAYER");
        assertFalse(Files.exists(dir.resolve("c2")));
    }

    private void userError(String args, String expected) throws Exception {
        CliRun run = CliRun.of(args.split(" "));
        String shown = args + "\nstderr:\n" + run.err();
        assertEquals(2, run.exitCode(), shown);
        assertEquals(1, run.errLines().length, shown);
        assertTrue(run.errLines()[0].contains(expected), shown);
        assertFalse(run.err().contains("Exception"), shown);
        try (Stream<Path> files = Files.walk(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "temporary file left after " + shown);
        }
    }
}
