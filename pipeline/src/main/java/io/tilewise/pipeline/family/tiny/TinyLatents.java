package io.tilewise.pipeline.family.tiny;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.run.Patchifier;
import io.tilewise.pipeline.run.Video;

import java.util.SplittableRandom;

/**
 * The tiny DiT works in pixel space: its latent is the patchified video (patchify is a permutation, so sampler steps
 * on patches equal steps on pixels). The seeded N(0, 1) noise is drawn in {@code [channels, frames, height, width]}
 * order from a {@link SplittableRandom} (Box–Muller), then patchified; training draws the same way.
 */
public record TinyLatents(Patchifier patchifier) implements LatentLayout {

    @Override
    public TokenGrid grid() {
        return patchifier.grid();
    }

    @Override
    public int values() {
        return grid().volume() * patchifier.patchSize();
    }

    @Override
    public int valuesPerFrame() {
        return grid().tokensPerFrame() * patchifier.patchSize();
    }

    @Override
    public int videoFrames(int first, int latentFrames) {
        return latentFrames * patchifier.pt();
    }

    @Override
    public int videoFrame(int latentFrame) {
        return latentFrame * patchifier.pt();
    }

    @Override
    public float[] noise(long seed) {
        return patchifier.patchify(noise(seed, patchifier.channels() * patchifier.frames() * patchifier.height() * patchifier.width()));
    }

    @Override
    public Video video(float[] part, int first, int latentFrames) {
        Patchifier p = patchifier;
        int frames = latentFrames * p.pt();
        Patchifier chunk = new Patchifier(p.channels(), p.pt(), p.ph(), p.pw(), frames, p.height(), p.width());
        return Video.fromChannelsFirst(chunk.unpatchify(part), frames, p.height(), p.width());
    }

    /** Seeded N(0, 1) values (Box–Muller on a SplittableRandom). */
    public static float[] noise(long seed, int count) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            double u1 = Math.max(random.nextDouble(), 1e-300);
            out[i] = (float) (Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return out;
    }
}
