package io.tilewise.cli;

import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.wan.fixtures.WanVaeFixtures;
import io.tilewise.wan.reference.WanVaeReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DecodeLatentsCommandTest {

    @TempDir
    Path dir;

    /** The golden Wan pipeline case: decode z.npy to video.npy within rel L2 1e-4. */
    @Test
    void goldenCase() throws Exception {
        Path model = dir.resolve("model");
        for (String f : new String[] {"model/model_index.json", "model/vae/config.json", "model/vae/diffusion_pytorch_model.safetensors",
                "z.npy", "video.npy"}) {
            copyResource("/golden/pipeline/" + f, dir.resolve(f));
        }
        Path out = dir.resolve("out.npy");
        CliRun run = CliRun.of("decode-latents", "--model", model.toString(), "--latents", dir.resolve("z.npy").toString(),
                "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        NpyArray got = Npy.read(out);
        NpyArray expected = Npy.read(dir.resolve("video.npy"));
        assertArrayEquals(expected.shape(), got.shape());
        double err = relL2(got.data(), expected.data());
        assertTrue(err <= 1e-4, "rel L2 " + err);
    }

    /** A random fixture VAE, 2 latent frames of 3x2: the command's output against the fp64 reference. */
    @Test
    void fixtureDecodeMatchesTheReference() throws Exception {
        Path vae = WanVaeFixtures.write(dir, WanVaeFixtures.Spec.tiny(), 21);
        float[] z = new float[16 * 2 * 3 * 2];
        Random r = new Random(4);
        for (int i = 0; i < z.length; i++) z[i] = (float) r.nextGaussian();
        Path latents = dir.resolve("z.npy");
        Npy.write(latents, new NpyArray(new int[] {1, 16, 2, 3, 2}, z));
        Path out = dir.resolve("video.npy");
        CliRun run = CliRun.of("decode-latents", "--model", dir.toString(), "--latents", latents.toString(), "--out", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        NpyArray got = Npy.read(out);
        assertArrayEquals(new int[] {5, 24, 16, 3}, got.shape());
        double[] expected;
        try (WanVaeReference ref = new WanVaeReference(vae)) {
            expected = ref.decode(z, 2, 3, 2);
        }
        float[] e = new float[expected.length];
        for (int i = 0; i < e.length; i++) e[i] = (float) expected[i];
        double err = relL2(got.data(), e);
        assertTrue(err < 1e-5, "rel L2 " + err);
    }

    @Test
    void missingVaeFolder() throws Exception {
        Files.createDirectories(dir.resolve("model"));
        assertUserError(dir.resolve("model"), latents(16), "no vae/ folder");
    }

    @Test
    void missingModelFolder() throws Exception {
        assertUserError(dir.resolve("absent"), latents(16), "model folder");
    }

    @Test
    void wrongClassName() throws Exception {
        WanVaeFixtures.write(dir.resolve("model"), WanVaeFixtures.Spec.tiny(), 1);
        Files.writeString(dir.resolve("model/vae/config.json"), WanVaeFixtures.configJson(WanVaeFixtures.Spec.tiny(), "AutoencoderKLCogVideoX"));
        assertUserError(dir.resolve("model"), latents(16), "_class_name is 'AutoencoderKLCogVideoX'");
    }

    @Test
    void weightShapesOffFromTheConfig() throws Exception {
        WanVaeFixtures.Spec spec = WanVaeFixtures.Spec.tiny();
        WanVaeFixtures.write(dir.resolve("model"), spec, 1);
        WanVaeFixtures.Spec wider = new WanVaeFixtures.Spec(8, 16, spec.dimMult(), spec.numResBlocks(), spec.temporalDownsample());
        Files.writeString(dir.resolve("model/vae/config.json"), WanVaeFixtures.configJson(wider, "AutoencoderKLWan"));
        assertUserError(dir.resolve("model"), latents(16), "decoder.conv_in.weight has shape");
    }

    @Test
    void wrongLatentChannels() throws Exception {
        WanVaeFixtures.write(dir.resolve("model"), WanVaeFixtures.Spec.tiny(), 1);
        assertUserError(dir.resolve("model"), latents(4), "has 4 latent channels");
    }

    @Test
    void missingLatentsFile() throws Exception {
        WanVaeFixtures.write(dir.resolve("model"), WanVaeFixtures.Spec.tiny(), 1);
        assertUserError(dir.resolve("model"), dir.resolve("nope.npy"), "--latents");
    }

    private Path latents(int channels) throws Exception {
        Path p = dir.resolve("z" + channels + ".npy");
        Npy.write(p, new NpyArray(new int[] {1, channels, 1, 2, 2}, new float[channels * 4]));
        return p;
    }

    private void assertUserError(Path model, Path latents, String expected) {
        Path out = dir.resolve("never.npy");
        CliRun run = CliRun.of("decode-latents", "--model", model.toString(), "--latents", latents.toString(), "--out", out.toString());
        assertEquals(2, run.exitCode(), run.err());
        assertEquals(1, run.errLines().length, run.err());
        assertTrue(run.err().startsWith("tilewise decode-latents: ") && run.err().contains(expected), run.err());
        assertFalse(Files.exists(out), "no output file on error");
    }

    private static void copyResource(String name, Path target) throws Exception {
        Files.createDirectories(target.getParent());
        try (InputStream in = DecodeLatentsCommandTest.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("test resource " + name + " is missing");
            Files.copy(in, target);
        }
    }

    private static double relL2(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (double) (a[i] - b[i]) * (a[i] - b[i]);
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }
}
