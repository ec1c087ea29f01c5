package io.tilewise.wan.tools;

import io.tilewise.pipeline.model.SafetensorsDtype;
import io.tilewise.wan.fixtures.Umt5Fixtures;
import io.tilewise.wan.fixtures.Umt5XxlWriter;
import io.tilewise.wan.fixtures.WanCheckpointFixtures;
import io.tilewise.wan.fixtures.WanVaeFixtures;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Developer tool: writes a random Wan2.1-T2V-1.3B pipeline folder at real dimensions, in BF16, for timing and memory
 * runs of {@code tilewise generate}: {@code model_index.json} and UniPC {@code scheduler/} as the release has them, the
 * transformer of {@link WanRandomCheckpoint} (dim 1536, 30 layers; 2.7 GB), UMT5-XXL of {@link Umt5XxlWriter} (11 GB),
 * the VAE at Wan2.1's widths (base 96, multipliers 1,2,4,4, 2 residual blocks) and the fixtures' small tokenizer (its
 * ids are small, which does not change any cost). About 14 GB on disk: write it under /tmp and delete it afterwards;
 * random weights are never committed.
 *
 * <pre>java -cp "cli/target/lib/*:wan/target/test-classes" io.tilewise.wan.tools.WanRandomPipeline OUT_DIR [layers=30]</pre>
 */
public final class WanRandomPipeline {

    /** Wan2.1's VAE: z 16, base 96, dim_mult (1, 2, 4, 4), 2 residual blocks, temporal down-sampling (F, T, T). */
    static final WanVaeFixtures.Spec WAN21_VAE = new WanVaeFixtures.Spec(96, 16, new int[] {1, 2, 4, 4}, 2,
            new boolean[] {false, true, true});

    private WanRandomPipeline() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        long t0 = System.nanoTime();
        // model_index.json, scheduler/ and a placeholder transformer/, then the real-size parts over it
        WanCheckpointFixtures.writePipeline(out, WanCheckpointFixtures.testConfig(),
                WanCheckpointFixtures.Options.defaults());
        deleteTree(out.resolve("transformer"));
        WanRandomCheckpoint.write(out.resolve("transformer"), WanRandomCheckpoint.config1p3b(layers), 2, 1);
        System.out.printf("transformer: %d layers (%.0f s)%n", layers, (System.nanoTime() - t0) / 1e9);
        WanVaeFixtures.write(out, WAN21_VAE, 3, SafetensorsDtype.BF16, SafetensorsDtype.BF16);
        System.out.printf("vae (%.0f s)%n", (System.nanoTime() - t0) / 1e9);
        Umt5Fixtures.writeTokenizer(out.resolve("tokenizer"));
        Umt5XxlWriter.writeEncoder(out.resolve("text_encoder"));
        System.out.printf("text encoder: UMT5-XXL (%.0f s)%n", (System.nanoTime() - t0) / 1e9);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
