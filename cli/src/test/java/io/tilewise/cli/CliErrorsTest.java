package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every user mistake: exactly one line {@code tilewise <command>: <message>} on stderr, exit code 2, no stack
 * trace, and no output file left behind.
 */
class CliErrorsTest {

    @TempDir
    Path dir;
    private Path out;

    @BeforeEach
    void inputs() throws Exception {
        AttentionCommandTest.Inputs.write(dir, 1, new int[] {1, 2, 40, 8});
        Npy.write(dir.resolve("short.npy"), new NpyArray(new int[] {1, 2, 39, 8}, new float[2 * 39 * 8]));
        Files.writeString(dir.resolve("text.npy"), "not a numpy file");
        out = dir.resolve("o.npy");
    }

    @Test
    void unknownMethodListsTheKnownOnes() throws Exception {
        String line = userError("tilewise attention", attention("--method", "nope"));
        assertTrue(line.contains("'nope'") && line.contains("dense") && line.contains("blocksparse")
                && line.contains("ort-mha"), line);
        String bench = userError("tilewise bench attention",
                List.of("bench", "attention", "--seq-len", "32", "--heads", "1", "--head-dim", "8", "--methods", "dense,nope"));
        assertTrue(bench.contains("known: "), bench);
    }

    @Test
    void shapeMismatchNamesBothFiles() throws Exception {
        String line = userError("tilewise attention", attention("--k", dir.resolve("short.npy").toString()));
        assertTrue(line.contains("short.npy") && line.contains("[1, 2, 39, 8]") && line.contains("[1, 2, 40, 8]"), line);
    }

    @Test
    void missingOrMalformedFile() throws Exception {
        String missing = userError("tilewise attention", attention("--v", dir.resolve("gone.npy").toString()));
        assertTrue(missing.contains("gone.npy") && missing.contains("no such file"), missing);
        String text = userError("tilewise attention", attention("--q", dir.resolve("text.npy").toString()));
        assertTrue(text.contains("text.npy") && text.contains("not a .npy file"), text);
    }

    @Test
    void badGrid() throws Exception {
        String syntax = userError("tilewise attention", attention("--grid", "2,4"));
        assertTrue(syntax.contains("--grid") && syntax.contains("--help"), syntax);
        String mismatch = userError("tilewise attention", attention("--grid", "2,4,4"));
        assertTrue(mismatch.contains("needs seqLen 32") && mismatch.contains("has seqLen 40"), mismatch);
    }

    @Test
    void badNumbersAndOptions() throws Exception {
        userError("tilewise attention", attention("--scale", "abc"));
        userError("tilewise attention", attention("--scale", "-1"));
        userError("tilewise attention", attention("--method", "blocksparse:keep=7"));
        userError("tilewise attention", attention("--method", "ort-mha", "--lse", dir.resolve("lse.npy").toString()));
        userError("tilewise attention", attention("--out", dir.resolve("no/such/dir/o.npy").toString()));
        userError("tilewise bench attention", List.of("bench", "attention", "--seq-len", "32", "--heads", "x", "--head-dim", "8"));
        userError("tilewise bench attention", List.of("bench", "attention", "--seq-len", "32", "--heads", "0", "--head-dim", "8"));
        userError("tilewise bench attention", List.of("bench", "attention", "--heads", "1", "--head-dim", "8"));
        userError("tilewise bench attention", List.of("bench", "attention", "--seq-len", "32", "--heads", "1", "--head-dim", "8", "--repeats", "0"));
        userError("tilewise", List.of("--no-such-option"));
    }

    @Test
    void unknownPromptSetNamesTheOptionItsValueAndTheSets() throws Exception {
        // checked before the model is opened, so no model is needed here
        assertEquals("tilewise adherence: --prompts heldout is not one of standard, held-out",
                userError("tilewise adherence", List.of("adherence", "--prompts", "heldout")));
        assertEquals("tilewise adherence: --limit 49 must be in 1..48 (the held-out set's prompts)",
                userError("tilewise adherence", List.of("adherence", "--prompts", "held-out", "--limit", "49")));
        assertEquals("tilewise adherence: --limit 25 must be in 1..24 (the standard set's prompts)",
                userError("tilewise adherence", List.of("adherence", "--limit", "25")));
    }

    @Test
    void benchWritesJsonRows() throws Exception {
        Path json = dir.resolve("rows.jsonl");
        CliRun run = CliRun.of("bench", "attention", "--seq-len", "64", "--heads", "1", "--head-dim", "8",
                "--methods", "ort-mha,blocksparse:keep=0.5,tile=32", "--repeats", "2", "--warmup", "1", "--json", json.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("", run.err(), "no progress lines outside a terminal");
        assertTrue(run.out().contains("ort-mha") && run.out().contains("blocksparse:keep=0.5"), run.out());
        assertFalse(run.out().lines().anyMatch(l -> l.startsWith("dense ")), "dense is measured, not printed, when not listed");
        List<String> rows = Files.readAllLines(json);
        assertEquals(2, rows.size());
        for (String key : List.of("\"method\"", "\"spec\"", "\"seqLen\":64", "\"heads\":1", "\"headDim\":8", "\"batch\":1",
                "\"medianMs\"", "\"gflops\"", "\"executedDensity\"", "\"speedupVsDense\"", "\"relL2VsDense\"", "\"prepareMs\"")) {
            assertTrue(rows.getFirst().contains(key), () -> key + " missing in " + rows.getFirst());
        }
    }

    private List<String> attention(String... overrides) {
        List<String> args = new ArrayList<>(List.of("attention", "--method", "dense",
                "--q", dir.resolve("q.npy").toString(), "--k", dir.resolve("k.npy").toString(),
                "--v", dir.resolve("v.npy").toString(), "--out", out.toString()));
        for (int i = 0; i < overrides.length; i++) {
            int at = args.indexOf(overrides[i]);
            if (at >= 0 && i + 1 < overrides.length && !overrides[i + 1].startsWith("--")) {
                args.set(at + 1, overrides[++i]);
            } else if (i + 1 < overrides.length && !overrides[i + 1].startsWith("--")) {
                args.add(overrides[i]);
                args.add(overrides[++i]);
            } else {
                args.add(overrides[i]);
            }
        }
        return args;
    }

    /** Runs, asserts the error contract, and returns the one stderr line. */
    private String userError(String command, List<String> args) throws Exception {
        CliRun run = CliRun.of(args.toArray(String[]::new));
        String shown = String.join(" ", args) + "\nstderr:\n" + run.err();
        assertEquals(2, run.exitCode(), shown);
        assertEquals(1, run.errLines().length, shown);
        String line = run.errLines()[0];
        assertTrue(line.startsWith(command + ": "), shown);
        assertFalse(line.contains("Exception") || line.contains("\tat "), shown);
        assertEquals("", run.out(), shown);
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> written = files.filter(p -> {
                String name = p.getFileName().toString();
                return name.startsWith("o.npy") || name.startsWith(".o.npy") || name.startsWith("lse") || name.startsWith(".lse");
            }).toList();
            assertTrue(written.isEmpty(), () -> "left behind " + written + " after " + shown);
        }
        return line;
    }
}
