package io.tilewise.reorder;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.testkit.KernelSmoke;
import io.tilewise.attention.testkit.Mutations;
import io.tilewise.attention.testkit.ParserContract;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes {@link ParoPlanFile#read}: any file gives a plan or one {@link ParoPlanException}. Two targets: the raw
 * bytes, and the bytes with the trailing SHA-256 recomputed, so mutations get past the hash into the entries. A plan
 * that is read writes back to an equal plan, and a small one runs through {@link ParoKernel}. Corpus:
 * {@code ParoPlanFileFuzzTestInputs} (shared by both targets).
 */
class ParoPlanFileFuzzTest {

    private static final Path DIR = tempDir();

    @FuzzTest(maxDuration = "5m")
    void read(byte[] input) {
        check(input);
    }

    @FuzzTest(maxDuration = "5m")
    void readWithValidHash(byte[] input) {
        check(withValidHash(input));
    }

    @Test
    void mutatedCorpus() {
        List<byte[]> seeds = Mutations.resources(getClass(), "ParoPlanFileFuzzTestInputs");
        Mutations.run(seeds, 3, 600, ParoPlanFileFuzzTest::check);
        Mutations.run(seeds, 4, 600, input -> check(withValidHash(input)));
    }

    static void check(byte[] input) {
        Path file = DIR.resolve("fuzz.paro");
        write(file, input);
        ParserContract.holds(() -> {
            ParoPlan plan = ParoPlanFile.read(file);
            Path copy = DIR.resolve("copy.paro");
            ParoPlanFile.write(plan, copy);
            ParoPlan back = ParoPlanFile.read(copy, plan.modelId(), plan.layout());
            if (!back.equals(plan)) throw new AssertionError("plan changed in a write and read: " + plan + " vs " + back);
            if (plan.layout().seqLen() <= 512 && plan.heads() <= 8 && (long) plan.groups() * plan.layers() <= 16) {
                for (int g = 0; g < plan.groups(); g++) {
                    for (int l = 0; l < plan.layers(); l++) plan.executorPlan(g, l);
                }
                ParoKernel kernel = new ParoKernel(new ParoSpec(ParoSpec.DEFAULT_DENSITY, 32, ParoSpec.DEFAULT_BLOCK,
                        ParoSpec.DEFAULT_SAMPLE, file, plan.modelId()));
                KernelSmoke.run(kernel, new AttentionShape(1, plan.heads(), 8, plan.layout()));
            }
        }, List.of(ParoPlanException.class));
    }

    /** The input with its last 32 bytes replaced by the SHA-256 of the bytes before them. */
    static byte[] withValidHash(byte[] input) {
        if (input.length < ParoPlanFile.HASH_BYTES) return input;
        byte[] out = input.clone();
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(out, 0, out.length - ParoPlanFile.HASH_BYTES);
            System.arraycopy(sha.digest(), 0, out, out.length - ParoPlanFile.HASH_BYTES, ParoPlanFile.HASH_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path tempDir() {
        try {
            Path dir = Files.createTempDirectory("paro-fuzz");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void hashFixKeepsValidSeedsValid() {
        for (byte[] seed : Mutations.resources(getClass(), "ParoPlanFileFuzzTestInputs")) {
            if (!Arrays.equals(seed, withValidHash(seed))) continue;
            check(seed);
        }
    }
}
