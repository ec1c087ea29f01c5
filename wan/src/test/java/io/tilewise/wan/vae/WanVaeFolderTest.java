package io.tilewise.wan.vae;

import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.model.SafetensorsDtype;
import io.tilewise.pipeline.model.SafetensorsWriter;
import io.tilewise.wan.fixtures.WanVaeFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad VAE folders and latent shapes fail with one message naming the part. */
class WanVaeFolderTest {

    @TempDir
    Path dir;

    @Test
    void missingVaeFolderIsNamed() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> WanVaeFolder.open(dir));
        assertTrue(e.getMessage().contains("no vae/ folder"), e.getMessage());
    }

    @Test
    void wrongClassNameIsNamed() throws Exception {
        WanVaeFixtures.write(dir, WanVaeFixtures.Spec.tiny(), 1);
        Files.writeString(dir.resolve("vae/config.json"), WanVaeFixtures.configJson(WanVaeFixtures.Spec.tiny(), "AutoencoderKL"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> WanVaeFolder.open(dir));
        assertTrue(e.getMessage().contains("_class_name is 'AutoencoderKL'") && e.getMessage().contains("AutoencoderKLWan"), e.getMessage());
    }

    @Test
    void missingWeightsAreNamed() throws Exception {
        WanVaeFixtures.write(dir, WanVaeFixtures.Spec.tiny(), 1);
        Files.delete(dir.resolve("vae").resolve(WanVaeWeights.FILE));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> WanVaeFolder.open(dir));
        assertTrue(e.getMessage().contains(WanVaeWeights.FILE), e.getMessage());
    }

    @Test
    void aTensorOfTheWrongShapeIsNamed() throws Exception {
        WanVaeFixtures.Spec spec = WanVaeFixtures.Spec.tiny();
        WanVaeFixtures.write(dir, spec, 1);
        // The config claims wider blocks than the weights hold.
        WanVaeFixtures.Spec wider = new WanVaeFixtures.Spec(8, spec.zDim(), spec.dimMult(), spec.numResBlocks(), spec.temporalDownsample());
        Files.writeString(dir.resolve("vae/config.json"), WanVaeFixtures.configJson(wider, "AutoencoderKLWan"));
        WanVaeFolder folder = WanVaeFolder.open(dir);
        try (WanVaeWeights w = folder.weights()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> new WanVaeDecoder(folder.config(), w, 2, 2, 1));
            assertTrue(e.getMessage().contains("decoder.conv_in.weight has shape [16, 16, 3, 3, 3]")
                    && e.getMessage().contains("[32, 16, 3, 3, 3]"), e.getMessage());
        }
    }

    @Test
    void aMissingTensorIsNamed() throws Exception {
        WanVaeFixtures.Spec spec = WanVaeFixtures.Spec.tiny();
        Path vae = WanVaeFixtures.write(dir, spec, 1);
        new SafetensorsWriter().add("post_quant_conv.weight", new long[] {16, 16, 1, 1, 1}, new float[256])
                .write(vae.resolve(WanVaeWeights.FILE));
        WanVaeFolder folder = WanVaeFolder.open(dir);
        try (WanVaeWeights w = folder.weights()) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> new WanVaeDecoder(folder.config(), w, 2, 2, 1));
            assertTrue(e.getMessage().contains("post_quant_conv.bias is missing"), e.getMessage());
        }
    }

    @Test
    void latentShapesAreChecked() {
        WanVaeFixtures.write(dir, WanVaeFixtures.Spec.tiny(), 1);
        WanVaeFolder folder = WanVaeFolder.open(dir);
        assertArrayEquals(new int[] {3, 4, 5}, folder.latentSize(new int[] {1, 16, 3, 4, 5}, "z"));
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> folder.latentSize(new int[] {1, 4, 3, 4, 5}, "--latents z.npy"));
        assertTrue(channels.getMessage().startsWith("--latents z.npy has 4 latent channels"), channels.getMessage());
        IllegalArgumentException rank = assertThrows(IllegalArgumentException.class, () -> folder.latentSize(new int[] {16, 3, 4, 5}, "z"));
        assertTrue(rank.getMessage().contains("expected [1, 16, F', H', W']"), rank.getMessage());
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class, () -> folder.latentSize(new int[] {2, 16, 3, 4, 5}, "z"));
        assertTrue(batch.getMessage().contains("batch 2"), batch.getMessage());
    }

    @Test
    void wan22ConfigsAreRefused() throws Exception {
        WanVaeFixtures.write(dir, WanVaeFixtures.Spec.tiny(), 1);
        Path config = dir.resolve("vae/config.json");
        Files.writeString(config, Files.readString(config).replace("\"is_residual\": false", "\"is_residual\": true"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> WanVaeFolder.open(dir));
        assertTrue(e.getMessage().contains("is_residual"), e.getMessage());
    }

    @Test
    void configSizesFollowTheRealLayout() throws Exception {
        Path config = dir.resolve("config.json");
        Files.writeString(config, WanVaeFixtures.configJson(
                new WanVaeFixtures.Spec(96, 16, new int[] {1, 2, 4, 4}, 2, new boolean[] {false, true, true}), "AutoencoderKLWan"));
        WanVaeConfig c = WanVaeConfig.read(config);
        assertArrayEquals(new int[] {384, 384, 384, 192, 96}, c.decoderDims());
        assertEquals(8, c.spatialScale());
        assertEquals(81, c.outputFrames(21));
        assertTrue(c.temporalUpsample(0) && c.temporalUpsample(1) && !c.temporalUpsample(2));
    }

    /** BF16 and F16 checkpoints decode exactly like F32 files holding the same (representable) values. */
    @ParameterizedTest
    @EnumSource(value = SafetensorsDtype.class, names = {"BF16", "F16"})
    void reducedPrecisionWeightsDecodeLikeTheirF32Widening(SafetensorsDtype dtype) {
        WanVaeFixtures.Spec spec = WanVaeFixtures.Spec.tiny();
        Path narrow = dir.resolve("narrow");
        Path widened = dir.resolve("widened");
        Path unrounded = dir.resolve("f32");
        WanVaeFixtures.write(narrow, spec, 5, dtype, SafetensorsDtype.F32);
        WanVaeFixtures.write(widened, spec, 5, SafetensorsDtype.F32, dtype);
        WanVaeFixtures.write(unrounded, spec, 5, SafetensorsDtype.F32, SafetensorsDtype.F32);
        float[] z = new float[16 * 2 * 2 * 3];
        Random r = new Random(3);
        for (int i = 0; i < z.length; i++) z[i] = (float) r.nextGaussian();
        float[] a = decode(narrow, z);
        float[] b = decode(widened, z);
        float[] c = decode(unrounded, z);
        assertArrayEquals(b, a, dtype + " file vs the same values in F32");
        double diff = 0;
        for (int i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - c[i]));
        assertTrue(diff > 0, "the " + dtype + " file holds rounded weights");
    }

    private static float[] decode(Path model, float[] z) {
        WanVaeFolder folder = WanVaeFolder.open(model);
        try (WanVaeWeights w = folder.weights(); WanVaeDecoder d = new WanVaeDecoder(folder.config(), w, 2, 3, 1)) {
            return d.decode(z, 2, null);
        }
    }
}
