package io.tilewise.wan.vae;

import io.tilewise.wan.fixtures.WanVaeFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The config's count of carried cache floats (used by the memory estimate) equals what the built graphs carry. */
class WanVaeCacheSizeTest {

    @TempDir
    Path dir;

    @Test
    void carriedCacheFloatsMatchTheGraphsCacheSlots() {
        WanVaeFixtures.write(dir, WanVaeFixtures.Spec.tiny(), 5);
        WanVaeFolder folder = WanVaeFolder.open(dir);
        for (int[] size : new int[][] {{1, 1}, {3, 5}, {4, 4}}) {
            long[] carried = {0};
            try (WanVaeWeights w = folder.weights()) {
                new WanVaeGraphs(folder.config(), w, size[0], size[1], false).build(segment -> {
                    for (VaeSegment.CacheSlot slot : segment.caches()) {
                        long n = 1;
                        for (long d : slot.shape()) n *= d;
                        carried[0] += n;
                    }
                });
            }
            assertEquals(carried[0], folder.config().carriedCacheFloats((long) size[0] * size[1]),
                    "latent " + size[0] + "x" + size[1]);
        }
    }
}
