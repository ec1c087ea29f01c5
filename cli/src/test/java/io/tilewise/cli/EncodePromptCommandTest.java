package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tilewise encode-prompt} on the golden Wan pipeline case (the wan module's copy of it), and every bad folder:
 * one line naming the part, exit 2, no output file.
 */
class EncodePromptCommandTest {

    static final Path GOLDEN = Path.of("../wan/src/test/resources/golden/pipeline");
    static final String PROMPT = "a blue cat on the grass";

    @TempDir
    Path dir;
    private Path model;
    private Path out;

    @BeforeEach
    void copyGolden() throws IOException {
        model = dir.resolve("model");
        Path from = GOLDEN.resolve("model");
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path to = model.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        out = dir.resolve("ctx.npy");
    }

    @Test
    void goldenPromptWithinTolerance() throws Exception {
        CliRun run = CliRun.of("encode-prompt", "--model", model.toString(), "--prompt", PROMPT, "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        NpyArray got = Npy.read(out);
        NpyArray expected = Npy.read(GOLDEN.resolve("ctx.npy"));
        assertArrayEquals(new int[] {1, 512, 32}, got.shape());
        double err = relativeL2(got.data(), expected.data(), got.data().length);
        assertTrue(err <= 1e-4, "relative L2 " + err);
        for (int i = 7 * 32; i < got.data().length; i++) assertEquals(0f, got.data()[i], "row " + i / 32);
    }

    @Test
    void maxTokensSetsTheLengthAndKeepsThePromptRows() throws Exception {
        CliRun run = CliRun.of("encode-prompt", "--model", model.toString(), "--prompt", "  a blue\tcat  on the grass ",
                "--out", out.toString(), "--max-tokens", "16");
        assertEquals(0, run.exitCode(), run.err());
        NpyArray got = Npy.read(out);
        assertArrayEquals(new int[] {1, 16, 32}, got.shape());
        // whitespace_clean makes this the golden prompt; its 7 rows do not depend on the padded length
        assertTrue(relativeL2(got.data(), Npy.read(GOLDEN.resolve("ctx.npy")).data(), 7 * 32) <= 1e-4);
        for (int i = 7 * 32; i < got.data().length; i++) assertEquals(0f, got.data()[i]);
    }

    @Test
    void missingTextEncoderFolder() throws Exception {
        deleteTree(model.resolve("text_encoder"));
        String line = userError();
        assertTrue(line.contains("text_encoder") && line.contains("missing"), line);
    }

    @Test
    void wrongTextEncoderClass() throws Exception {
        Path index = model.resolve("model_index.json");
        Files.writeString(index, Files.readString(index).replace("\"UMT5EncoderModel\"", "\"CLIPTextModel\""));
        String line = userError();
        assertTrue(line.contains("text_encoder") && line.contains("CLIPTextModel") && line.contains("UMT5EncoderModel"), line);
    }

    @Test
    void wrongArchitectureInTheConfig() throws Exception {
        Path config = model.resolve("text_encoder/config.json");
        Files.writeString(config, Files.readString(config).replace("\"UMT5EncoderModel\"", "\"BertModel\""));
        String line = userError();
        assertTrue(line.contains("text_encoder") && line.contains("BertModel"), line);
    }

    @Test
    void tokenizerAbsent() throws Exception {
        Files.delete(model.resolve("tokenizer/tokenizer.json"));
        String line = userError();
        assertTrue(line.startsWith("tilewise encode-prompt: tokenizer: ") && line.contains("tokenizer.json"), line);
    }

    @Test
    void tokenizerUnreadable() throws Exception {
        Files.writeString(model.resolve("tokenizer/tokenizer.json"), "{\"model\": 3}");
        String line = userError();
        assertTrue(line.startsWith("tilewise encode-prompt: tokenizer: ") && line.contains("tokenizer.json"), line);
    }

    @Test
    void shapesOffNameTheTensor() throws Exception {
        Path config = model.resolve("text_encoder/config.json");
        Files.writeString(config, Files.readString(config).replace("\"d_ff\": 37", "\"d_ff\": 38"));
        String line = userError();
        assertTrue(line.contains("text_encoder") && line.contains("encoder.block.0.layer.1.DenseReluDense.wi_0.weight")
                && line.contains("[37, 32]") && line.contains("[38, 32]"), line);
    }

    @Test
    void missingWeightsFile() throws Exception {
        Files.delete(model.resolve("text_encoder/model.safetensors"));
        String line = userError();
        assertTrue(line.contains("text_encoder") && line.contains("model.safetensors"), line);
    }

    @Test
    void notAPipelineFolder() throws Exception {
        Files.delete(model.resolve("model_index.json"));
        String line = userError();
        assertTrue(line.contains("model_index.json"), line);
        model = dir.resolve("nowhere");
        String none = userError();
        assertTrue(none.contains("--model " + model) && none.contains("not a folder"), none);
    }

    @Test
    void badOptions() throws Exception {
        String tokens = userError("--max-tokens", "0");
        assertTrue(tokens.contains("--max-tokens 0"), tokens);
        out = dir.resolve("ctx.txt");
        String suffix = userError();
        assertTrue(suffix.contains("--out") && suffix.contains(".npy"), suffix);
    }

    /** Runs with the golden arguments plus {@code extra}; asserts exit 2, one line, no output, and returns the line. */
    private String userError(String... extra) {
        String[] base = {"encode-prompt", "--model", model.toString(), "--prompt", PROMPT, "--out", out.toString()};
        String[] args = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
        CliRun run = CliRun.of(args);
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.errLines().length, run.err());
        assertFalse(Files.exists(out), "no output file");
        try (Stream<Path> left = Files.list(dir)) {
            assertTrue(left.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "no partial file");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertTrue(run.errLines()[0].startsWith("tilewise encode-prompt: "), run.err());
        return run.errLines()[0];
    }

    private static double relativeL2(float[] a, float[] b, int count) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < count; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> files = Files.walk(p)) {
            for (Path f : files.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) Files.delete(f);
        }
    }
}
