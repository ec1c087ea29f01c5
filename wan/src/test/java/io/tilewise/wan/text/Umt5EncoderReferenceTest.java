package io.tilewise.wan.text;

import io.tilewise.wan.reference.Errors;
import io.tilewise.pipeline.model.ModelFormatException;
import io.tilewise.pipeline.model.SafetensorsCheckpoint;
import io.tilewise.pipeline.model.SafetensorsDtype;
import io.tilewise.wan.fixtures.Umt5Fixtures;
import io.tilewise.wan.reference.Umt5Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ONNX Runtime encoder against the fp64 reference ({@link Umt5Reference}, which runs all N padded positions as
 * PyTorch does) on tiny random checkpoints: UMT5 and T5 bias layouts, F32/BF16/F16, one file and shards, a batch of
 * two prompts of different lengths, and bucket settings where distances pass {@code max_distance}.
 */
class Umt5EncoderReferenceTest {

    @TempDir
    Path tmp;

    @Test
    void umt5MatchesTheReference() throws IOException {
        assertMatches(Umt5Fixtures.Spec.tiny());
    }

    @Test
    void t5SharesBlockZerosBias() throws IOException {
        assertMatches(Umt5Fixtures.Spec.tiny().t5());
    }

    @Test
    void bf16ShardsMatchTheReference() throws IOException {
        assertMatches(Umt5Fixtures.Spec.tiny().dtype(SafetensorsDtype.BF16).inShards());
    }

    @Test
    void f16MatchesTheReference() throws IOException {
        assertMatches(Umt5Fixtures.Spec.tiny().dtype(SafetensorsDtype.F16));
    }

    @Test
    void distancesBeyondMaxDistanceShareTheLastBucket() throws IOException {
        assertMatches(Umt5Fixtures.Spec.tiny().buckets(8, 6));
    }

    @Test
    void aUmt5CheckpointUnderAT5ConfigIsRefused() throws IOException {
        Umt5Fixtures.writeTextEncoder(tmp, Umt5Fixtures.Spec.tiny());
        Umt5Config umt5 = Umt5Config.read(tmp.resolve("config.json"));
        Umt5Config t5 = new Umt5Config(false, umt5.dModel(), umt5.dKv(), umt5.dFf(), umt5.layers(), umt5.heads(),
                umt5.vocab(), umt5.buckets(), umt5.maxDistance(), umt5.eps());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Umt5Checkpoint.check(tmp, t5));
        assertTrue(e.getMessage().contains("unknown text encoder tensor encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"),
                e.getMessage());
    }

    @Test
    void aT5CheckpointUnderAUmt5ConfigNamesTheMissingBias() throws IOException {
        Umt5Fixtures.writeTextEncoder(tmp, Umt5Fixtures.Spec.tiny().t5());
        Umt5Config t5 = Umt5Config.read(tmp.resolve("config.json"));
        Umt5Config umt5 = new Umt5Config(true, t5.dModel(), t5.dKv(), t5.dFf(), t5.layers(), t5.heads(), t5.vocab(),
                t5.buckets(), t5.maxDistance(), t5.eps());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Umt5Checkpoint.check(tmp, umt5));
        assertTrue(e.getMessage().contains("no tensor encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"),
                e.getMessage());
    }

    @Test
    void aTokenIdOutsideTheVocabularyIsNamed() throws IOException {
        Umt5Fixtures.writeTextEncoder(tmp, Umt5Fixtures.Spec.tiny());
        Umt5Config config = Umt5Config.read(tmp.resolve("config.json"));
        try (Umt5Encoder encoder = new Umt5Encoder(Umt5Checkpoint.check(tmp, config), 1)) {
            long[][] ids = {{3, config.vocab(), 1, 0}};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.encode(ids, new int[] {3}, null));
            assertTrue(e.getMessage().contains("token id " + config.vocab()) && e.getMessage().contains("tokenizer.json"), e.getMessage());
        }
    }

    private void assertMatches(Umt5Fixtures.Spec spec) throws IOException {
        Path dir = tmp.resolve("text_encoder");
        Umt5Fixtures.writeTextEncoder(dir, spec);
        assertEquals(spec.sharded(), Files.exists(dir.resolve("model.safetensors.index.json")));
        Umt5Config config = Umt5Config.read(dir.resolve("config.json"));
        int n = 64;
        int[] lengths = {45, 13};
        long[][] ids = new long[2][n];
        int[][] mask = new int[2][n];
        SplittableRandom rnd = new SplittableRandom(11);
        for (int b = 0; b < 2; b++) {
            for (int j = 0; j < n; j++) {
                // padding positions hold the pad id 0, as the tokenizer writes them
                ids[b][j] = j < lengths[b] ? rnd.nextInt(config.vocab()) : 0;
                mask[b][j] = j < lengths[b] ? 1 : 0;
            }
        }
        float[] got;
        try (Umt5Encoder encoder = new Umt5Encoder(Umt5Checkpoint.check(dir, config), 2)) {
            got = encoder.encode(ids, lengths, null);
        }
        double[] expected;
        try (SafetensorsCheckpoint ckpt = SafetensorsCheckpoint.open(dir, "model")) {
            Umt5Reference reference = new Umt5Reference(new Umt5Reference.Config(spec.umt5(), spec.dModel(), spec.dKv(),
                    spec.dFf(), spec.layers(), spec.heads(), spec.buckets(), spec.maxDistance(), 1e-6), ckpt::floats);
            expected = reference.promptEmbeds(ids, mask);
        }
        double err = Errors.relativeL2(got, expected);
        assertTrue(err < 1e-5, spec + ": relative L2 " + err);
        int d = spec.dModel();
        for (int b = 0; b < 2; b++) {
            for (int j = 0; j < n; j++) {
                for (int t = 0; t < d; t++) {
                    float v = got[(b * n + j) * d + t];
                    if (j >= lengths[b]) assertEquals(0f, v, "prompt " + b + " row " + j + " past its tokens");
                }
            }
        }
        System.out.printf("%s ORT vs fp64 reference: relative L2 %.3e%n", spec, err);
    }
}
