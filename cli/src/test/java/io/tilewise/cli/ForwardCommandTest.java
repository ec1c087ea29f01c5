package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tilewise forward} on the golden Wan case (the wan module's copy of it): the command of case.json gives the
 * expected output; every bad input is one line on stderr, exit 2, and no output file.
 */
class ForwardCommandTest {

    private static final Path CASE = Path.of("..", "wan", "src", "test", "resources", "golden", "forward");

    @TempDir
    Path dir;

    @Test
    void theGoldenCaseCommandReproducesItsOutput() throws IOException {
        Path out = dir.resolve("v.npy");
        CliRun run = forward(CASE.resolve("model"), CASE.resolve("x.npy"), "421.5", CASE.resolve("ctx.npy"), out, "--threads", "2");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("forward: diffusers layout, 2 layers"), run.out());
        NpyArray v = Npy.read(out);
        NpyArray expected = Npy.read(CASE.resolve("v.npy"));
        assertArrayEquals(expected.shape(), v.shape());
        assertTrue(relativeL2(v.data(), expected.data()) <= 1e-4);
    }

    @Test
    void aSparsePolicyRunsThroughTheCommand() throws IOException {
        Path out = dir.resolve("v.npy");
        CliRun run = forward(CASE.resolve("model"), CASE.resolve("x.npy"), "421.5", CASE.resolve("ctx.npy"), out,
                "--attention", "dense@layers=0;gna:window=1x3x3", "--threads", "1");
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.exists(out));
    }

    @Test
    void latentsOfTheWrongChannelsOrAnOddSizeAreRefused() throws IOException {
        refused(forward(CASE.resolve("model"), npy("x4.npy", 1, 4, 2, 6, 8), "421.5", CASE.resolve("ctx.npy"), out()),
                "latents have 4 channels (shape [1, 4, 2, 6, 8]); the model takes 16");
        refused(forward(CASE.resolve("model"), npy("odd.npy", 1, 16, 2, 5, 8), "421.5", CASE.resolve("ctx.npy"), out()),
                "latent height 5 must be a positive multiple of the patch size 2");
        refused(forward(CASE.resolve("model"), npy("four.npy", 16, 2, 6, 8), "421.5", CASE.resolve("ctx.npy"), out()),
                "latents have shape [16, 2, 6, 8]; expected 5 dims [B, C, F, H, W]");
    }

    @Test
    void textStatesOfAnotherWidthOrBatchAreRefused() throws IOException {
        refused(forward(CASE.resolve("model"), CASE.resolve("x.npy"), "421.5", npy("ctx16.npy", 1, 6, 16), out()),
                "text states have shape [1, 6, 16]; expected [1, L >= 1, 32]");
        refused(forward(CASE.resolve("model"), CASE.resolve("x.npy"), "421.5", npy("ctx2.npy", 2, 6, 32), out()),
                "text states have shape [2, 6, 32]");
    }

    @Test
    void aTimestepOutsideTheRangeOrNotANumberIsRefused() {
        refused(forward(CASE.resolve("model"), CASE.resolve("x.npy"), "1500", CASE.resolve("ctx.npy"), out()),
                "timestep 1500.0 must be a number in 0..1000");
        refused(forward(CASE.resolve("model"), CASE.resolve("x.npy"), "soon", CASE.resolve("ctx.npy"), out()), "soon");
    }

    @Test
    void missingFilesAreNamed() {
        refused(forward(CASE.resolve("model"), dir.resolve("none.npy"), "421.5", CASE.resolve("ctx.npy"), out()), "none.npy");
        refused(forward(dir.resolve("nowhere"), CASE.resolve("x.npy"), "421.5", CASE.resolve("ctx.npy"), out()),
                "nowhere: not a folder");
    }

    @Test
    void aFolderOfAnotherArchitectureOrWithoutWeightsIsRefused() throws IOException {
        refused(forward(Path.of("..", "models", "tiny-t2v"), CASE.resolve("x.npy"), "421.5", CASE.resolve("ctx.npy"), out()),
                "_class_name is missing; expected \"WanTransformer3DModel\"");
        Path noWeights = Files.createDirectories(dir.resolve("noweights"));
        Files.copy(CASE.resolve("model/transformer/config.json"), noWeights.resolve("config.json"));
        refused(forward(noWeights, CASE.resolve("x.npy"), "421.5", CASE.resolve("ctx.npy"), out()),
                "neither diffusion_pytorch_model.safetensors nor diffusion_pytorch_model.safetensors.index.json exists");
        Path i2v = Files.createDirectories(dir.resolve("i2v"));
        Files.writeString(i2v.resolve("config.json"), Files.readString(CASE.resolve("model/transformer/config.json"))
                .replace("\"image_dim\": null", "\"image_dim\": 1280"));
        Files.copy(CASE.resolve("model/transformer/diffusion_pytorch_model.safetensors"),
                i2v.resolve("diffusion_pytorch_model.safetensors"), StandardCopyOption.REPLACE_EXISTING);
        refused(forward(i2v, CASE.resolve("x.npy"), "421.5", CASE.resolve("ctx.npy"), out()),
                "image_dim is 1280: an image embedder (image-to-video) is not supported");
    }

    @Test
    void aBadPolicyIsRefused() {
        refused(forward(CASE.resolve("model"), CASE.resolve("x.npy"), "421.5", CASE.resolve("ctx.npy"), out(),
                "--attention", "nosuchmethod"), "nosuchmethod");
    }

    private Path out() {
        return dir.resolve("out.npy");
    }

    private void refused(CliRun run, String expected) {
        assertEquals(2, run.exitCode(), run.err());
        String[] lines = run.errLines();
        assertEquals(1, lines.length, run.err());
        assertTrue(lines[0].startsWith("tilewise forward: "), lines[0]);
        assertTrue(lines[0].contains(expected), () -> "'" + lines[0] + "' should contain '" + expected + "'");
        assertFalse(Files.exists(out()), "no output file after a refusal");
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith("out")), "no temporary output left");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private CliRun forward(Path model, Path latents, String timestep, Path text, Path out, String... extra) {
        String[] base = {"forward", "--model", model.toString(), "--latents", latents.toString(), "--timestep", timestep,
                "--text-states", text.toString(), "--out", out.toString()};
        String[] args = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
        return CliRun.of(args);
    }

    private Path npy(String name, int... shape) throws IOException {
        int n = 1;
        for (int s : shape) n *= s;
        float[] data = new float[n];
        Random r = new Random(n);
        for (int i = 0; i < n; i++) data[i] = (float) r.nextGaussian();
        Path p = dir.resolve(name);
        Npy.write(p, new NpyArray(shape, data));
        return p;
    }

    private static double relativeL2(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
