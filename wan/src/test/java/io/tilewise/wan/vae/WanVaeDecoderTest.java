package io.tilewise.wan.vae;

import io.tilewise.wan.reference.Errors;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.wan.fixtures.WanVaeFixtures;
import io.tilewise.wan.reference.WanVaeReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ONNX Runtime chunked decoder against the fp64 whole-clip reference and the golden pipeline case. */
class WanVaeDecoderTest {

    @TempDir
    Path dir;

    @Test
    void oneLatentFrameMatchesTheReference() throws Exception {
        compareWithReference(1, 4, 4, 11);
    }

    @Test
    void severalLatentFramesMatchTheReferenceThroughTheCachesAndTemporalUpsampling() throws Exception {
        compareWithReference(3, 3, 5, 12);
    }

    @Test
    void anotherTemporalLayoutAndTwoResBlocksMatchTheReference() throws Exception {
        // The graphs fix each stage's frame count from the config: here the first up-sampler is spatial only.
        compareWithReference(new WanVaeFixtures.Spec(4, 16, new int[] {1, 2, 4, 4}, 2, new boolean[] {true, true, false}),
                3, 2, 3, 13);
    }

    @Test
    void goldenPipelineDecode() throws Exception {
        Path model = Path.of(getClass().getResource("/golden/pipeline/model").toURI());
        NpyArray z = Npy.read(model.resolveSibling("z.npy"));
        NpyArray expected = Npy.read(model.resolveSibling("video.npy"));
        WanVaeFolder folder = WanVaeFolder.open(model);
        int[] size = folder.latentSize(z.shape(), "z.npy");
        float[] video;
        try (WanVaeWeights w = folder.weights(); WanVaeDecoder d = new WanVaeDecoder(folder.config(), w, size[1], size[2], 2)) {
            video = d.decode(z.data(), size[0], null);
        }
        assertArrayEquals(new int[] {5, 32, 32, 3}, expected.shape());
        assertTrue(Errors.relativeL2(video, toDouble(expected.data())) <= 1e-4, "rel L2 " + Errors.relativeL2(video, toDouble(expected.data())));
        // The reference, written separately, agrees with the golden case too.
        try (WanVaeReference ref = new WanVaeReference(folder.dir())) {
            double[] r = ref.decode(z.data(), size[0], size[1], size[2]);
            assertTrue(Errors.relativeL2(expected.data(), r) <= 1e-5, "reference vs golden rel L2 " + Errors.relativeL2(expected.data(), r));
        }
    }

    private void compareWithReference(int frames, int h, int w, long seed) throws Exception {
        compareWithReference(WanVaeFixtures.Spec.tiny(), frames, h, w, seed);
    }

    private void compareWithReference(WanVaeFixtures.Spec spec, int frames, int h, int w, long seed) throws Exception {
        Path vae = WanVaeFixtures.write(dir, spec, seed);
        float[] z = new float[spec.zDim() * frames * h * w];
        Random random = new Random(seed + 1);
        for (int i = 0; i < z.length; i++) z[i] = (float) random.nextGaussian();
        WanVaeFolder folder = WanVaeFolder.open(dir);
        float[] video;
        try (WanVaeWeights weights = folder.weights(); WanVaeDecoder d = new WanVaeDecoder(folder.config(), weights, h, w, 2)) {
            int[] done = {0};
            video = d.decode(z, frames, n -> done[0] = n);
            assertEquals(frames, done[0], "progress reaches every latent frame");
        }
        int outFrames = 1 + 4 * (frames - 1);
        assertEquals(outFrames * 8 * h * 8 * w * 3, video.length);
        double[] expected;
        try (WanVaeReference ref = new WanVaeReference(vae)) {
            expected = ref.decode(z, frames, h, w);
        }
        int saturated = 0;
        for (double v : expected) if (v == 0 || v == 1) saturated++;
        assertTrue(saturated < expected.length / 5, "fixture output mostly inside the clamp: " + saturated + "/" + expected.length);
        double err = Errors.relativeL2(video, expected);
        assertTrue(err < 1e-5, "ORT vs fp64 reference rel L2 " + err);
        // Later frames differ from the first: the temporal path is not a copy.
        if (frames > 1) {
            int frame = 8 * h * 8 * w * 3;
            double diff = 0;
            for (int i = 0; i < frame; i++) diff += Math.abs(expected[i] - expected[(outFrames - 1) * frame + i]);
            assertTrue(diff > 1e-3 * frame, "last frame differs from the first");
        }
    }

        private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) d[i] = a[i];
        return d;
    }
}
