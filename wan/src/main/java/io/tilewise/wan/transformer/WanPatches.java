package io.tilewise.wan.transformer;

import io.tilewise.attention.api.TokenGrid;

/**
 * Latents ↔ tokens of one batch item, as diffusers' {@code WanTransformer3DModel} orders them. In: a
 * {@code [C, F, H, W]} latent becomes tokens {@code (f, y, x)} frame-major, each the Conv3d patch flattened as
 * {@code (c, kt, ky, kx)} (the weight's own order). Out: {@code proj_out} gives per token
 * {@code (kt, ky, kx, c)}-ordered values, put back into {@code [C_out, F, H, W]}.
 */
public final class WanPatches {

    private final int[] patch;
    private final int frames;
    private final int height;
    private final int width;
    private final TokenGrid grid;

    /** @throws IllegalArgumentException when a latent axis is not a multiple of its patch size */
    public WanPatches(int[] patch, int frames, int height, int width) {
        this.patch = patch.clone();
        int[] size = {frames, height, width};
        String[] axis = {"frames", "height", "width"};
        for (int i = 0; i < 3; i++) {
            if (size[i] < patch[i] || size[i] % patch[i] != 0) {
                throw new IllegalArgumentException("latent " + axis[i] + " " + size[i] + " must be a positive multiple of the patch size "
                        + patch[i]);
            }
        }
        this.frames = frames;
        this.height = height;
        this.width = width;
        this.grid = new TokenGrid(frames / patch[0], height / patch[1], width / patch[2]);
    }

    public TokenGrid grid() {
        return grid;
    }

    /** {@code latent [C, F, H, W]} (from {@code offset}) → {@code out [N, C·pt·ph·pw]} (from {@code outOffset}). */
    public void patchify(float[] latent, int offset, int channels, float[] out, int outOffset) {
        int pt = patch[0], ph = patch[1], pw = patch[2];
        int width2 = channels * pt * ph * pw;
        for (int f = 0; f < grid.frames(); f++) {
            for (int y = 0; y < grid.height(); y++) {
                for (int x = 0; x < grid.width(); x++) {
                    int base = outOffset + grid.index(f, y, x) * width2;
                    int i = 0;
                    for (int c = 0; c < channels; c++) {
                        for (int kt = 0; kt < pt; kt++) {
                            for (int ky = 0; ky < ph; ky++) {
                                int row = offset + ((c * frames + f * pt + kt) * height + y * ph + ky) * width + x * pw;
                                for (int kx = 0; kx < pw; kx++) out[base + i++] = latent[row + kx];
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code tokens [N, pt·ph·pw·C]} (from {@code offset}) → {@code out [C, F, H, W]} (from {@code outOffset}). */
    public void unpatchify(float[] tokens, int offset, int channels, float[] out, int outOffset) {
        int pt = patch[0], ph = patch[1], pw = patch[2];
        int width2 = channels * pt * ph * pw;
        for (int f = 0; f < grid.frames(); f++) {
            for (int y = 0; y < grid.height(); y++) {
                for (int x = 0; x < grid.width(); x++) {
                    int base = offset + grid.index(f, y, x) * width2;
                    for (int kt = 0; kt < pt; kt++) {
                        for (int ky = 0; ky < ph; ky++) {
                            for (int kx = 0; kx < pw; kx++) {
                                for (int c = 0; c < channels; c++) {
                                    int value = base + ((kt * ph + ky) * pw + kx) * channels + c;
                                    out[outOffset + ((c * frames + f * pt + kt) * height + y * ph + ky) * width + x * pw + kx]
                                            = tokens[value];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
