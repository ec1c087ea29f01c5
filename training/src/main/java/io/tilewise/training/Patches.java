package io.tilewise.training;

import io.tilewise.pipeline.run.Patchifier;

import java.util.Arrays;

/**
 * Patchify / unpatchify of the contract into and out of batched buffers, through the pipeline's
 * {@link Patchifier} so training and inference share one patch layout: tokens frame-major then row-major; a patch
 * vector holds {@code patch[c·pt·ph·pw + dt·ph·pw + dy·pw + dx]}.
 */
public final class Patches {

    private Patches() {
    }

    /** {@code [3, F, H, W]} → {@code [N, P]} written at {@code out[offset..]}. */
    public static void patchify(float[] video, int channels, int frames, int height, int width, int[] patch,
                                float[] out, int offset) {
        float[] tokens = patchifier(channels, frames, height, width, patch).patchify(video);
        System.arraycopy(tokens, 0, out, offset, tokens.length);
    }

    /** {@code [N, P]} read from {@code tokens[offset..]} → {@code [3, F, H, W]}. */
    public static float[] unpatchify(float[] tokens, int offset, int channels, int frames, int height, int width,
                                     int[] patch) {
        int length = channels * frames * height * width;
        return patchifier(channels, frames, height, width, patch).unpatchify(Arrays.copyOfRange(tokens, offset, offset + length));
    }

    private static Patchifier patchifier(int channels, int frames, int height, int width, int[] patch) {
        return new Patchifier(channels, patch[0], patch[1], patch[2], frames, height, width);
    }
}
