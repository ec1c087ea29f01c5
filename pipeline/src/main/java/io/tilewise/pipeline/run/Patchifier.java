package io.tilewise.pipeline.run;

import io.tilewise.attention.api.TokenGrid;

/**
 * Video {@code [channels, frames, height, width]} ↔ patch tokens {@code [N, P]}: patch {@code [pt, ph, pw]}, tokens
 * frame-major then row-major, a patch vector in the order (channel, t, y, x):
 * {@code patch[c·pt·ph·pw + dt·ph·pw + dy·pw + dx]}. A pure permutation, so unpatchify(patchify(v)) == v bit for bit.
 */
public record Patchifier(int channels, int pt, int ph, int pw, int frames, int height, int width) {

    public Patchifier {
        if (frames % pt != 0 || height % ph != 0 || width % pw != 0) {
            throw new IllegalArgumentException("video " + frames + "x" + height + "x" + width + " is not a multiple of the patch "
                    + pt + "x" + ph + "x" + pw);
        }
    }

    public TokenGrid grid() {
        return new TokenGrid(frames / pt, height / ph, width / pw);
    }

    public int patchSize() {
        return channels * pt * ph * pw;
    }

    public float[] patchify(float[] video) {
        float[] out = new float[video.length];
        permute(video, out, true);
        return out;
    }

    public float[] unpatchify(float[] patches) {
        float[] out = new float[patches.length];
        permute(patches, out, false);
        return out;
    }

    private void permute(float[] in, float[] out, boolean toPatches) {
        TokenGrid g = grid();
        int p = patchSize();
        if (in.length != (long) g.volume() * p) {
            throw new IllegalArgumentException("expected " + (long) g.volume() * p + " values, got " + in.length);
        }
        for (int f = 0; f < g.frames(); f++)
            for (int y = 0; y < g.height(); y++)
                for (int x = 0; x < g.width(); x++) {
                    int token = g.index(f, y, x);
                    for (int c = 0; c < channels; c++)
                        for (int dt = 0; dt < pt; dt++)
                            for (int dy = 0; dy < ph; dy++)
                                for (int dx = 0; dx < pw; dx++) {
                                    int pi = token * p + c * pt * ph * pw + dt * ph * pw + dy * pw + dx;
                                    int vi = ((c * frames + f * pt + dt) * height + y * ph + dy) * width + x * pw + dx;
                                    if (toPatches) out[pi] = in[vi];
                                    else out[vi] = in[pi];
                                }
                }
    }
}
