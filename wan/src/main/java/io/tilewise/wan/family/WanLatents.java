package io.tilewise.wan.family;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.pipeline.family.LatentLayout;
import io.tilewise.pipeline.family.tiny.TinyLatents;
import io.tilewise.pipeline.run.InitialNoise;
import io.tilewise.pipeline.run.Video;

import java.util.Arrays;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Wan's latent of one video size: diffusers holds {@code [1, C, F', H', W']} with {@code F' = (F − 1)/4 + 1},
 * {@code H' = H/8}, {@code W' = W/8}; the sampler here holds the same values frame-major, {@code [F', C, H', W']}, so
 * each latent frame's values are contiguous as {@link LatentLayout} asks. {@code --noise} files come in diffusers'
 * layout. Seeded noise is a Java draw ({@link TinyLatents#noise}, in diffusers' order): PyTorch's generator cannot be
 * matched, so a run is reproduced from its {@code z0} instead. {@link #video} decodes with the VAE.
 */
final class WanLatents implements LatentLayout {

    private final int channels;
    private final int frames;
    private final int height;
    private final int width;
    private final TokenGrid grid;
    private final List<String> warnings;
    private final BiFunction<WanLatents, float[], Video> decoder;

    WanLatents(int channels, int frames, int height, int width, TokenGrid grid, List<String> warnings,
               BiFunction<WanLatents, float[], Video> decoder) {
        this.channels = channels;
        this.frames = frames;
        this.height = height;
        this.width = width;
        this.grid = grid;
        this.warnings = List.copyOf(warnings);
        this.decoder = decoder;
    }

    int channels() {
        return channels;
    }

    /** Latent frames F'. */
    int frames() {
        return frames;
    }

    int height() {
        return height;
    }

    int width() {
        return width;
    }

    @Override
    public TokenGrid grid() {
        return grid;
    }

    @Override
    public int values() {
        return channels * frames * height * width;
    }

    @Override
    public int valuesPerFrame() {
        return channels * height * width;
    }

    @Override
    public int videoFrames(int first, int latentFrames) {
        return videoFrame(first + latentFrames) - videoFrame(first);
    }

    /** The causal VAE makes 1 frame of latent frame 0 and 4 of each later one. */
    @Override
    public int videoFrame(int latentFrame) {
        return latentFrame == 0 ? 0 : 1 + 4 * (latentFrame - 1);
    }

    @Override
    public float[] noise(long seed) {
        return toFrameMajor(TinyLatents.noise(seed, values()));
    }

    @Override
    public float[] initial(InitialNoise noise) {
        int[] expected = {1, channels, frames, height, width};
        if (!Arrays.equals(noise.shape(), expected)) {
            throw new IllegalArgumentException("--noise has shape " + Arrays.toString(noise.shape()) + "; this video needs "
                    + Arrays.toString(expected) + " ([1, channels, (frames-1)/4+1, height/8, width/8])");
        }
        return toFrameMajor(noise.values());
    }

    @Override
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public Video video(float[] part, int first, int latentFrames) {
        if (first != 0 || latentFrames != frames || part.length != values()) {
            throw new IllegalArgumentException("Wan decodes the whole clip at once (latent frames 0.." + (frames - 1)
                    + "), not frames " + first + ".." + (first + latentFrames - 1));
        }
        return decoder.apply(this, part);
    }

    /** {@code [C, F', H', W']} → {@code [F', C, H', W']}. */
    float[] toFrameMajor(float[] channelFirst) {
        int plane = height * width;
        float[] out = new float[channelFirst.length];
        for (int c = 0; c < channels; c++) {
            for (int f = 0; f < frames; f++) {
                System.arraycopy(channelFirst, (c * frames + f) * plane, out, (f * channels + c) * plane, plane);
            }
        }
        return out;
    }

    /** {@code [F', C, H', W']} → {@code [C, F', H', W']}. */
    float[] toChannelFirst(float[] frameMajor) {
        int plane = height * width;
        float[] out = new float[frameMajor.length];
        for (int c = 0; c < channels; c++) {
            for (int f = 0; f < frames; f++) {
                System.arraycopy(frameMajor, (f * channels + c) * plane, out, (c * frames + f) * plane, plane);
            }
        }
        return out;
    }
}
