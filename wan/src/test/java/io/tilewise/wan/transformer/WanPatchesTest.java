package io.tilewise.wan.transformer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Patch order against diffusers' tensor operations written out index by index: Conv3d with stride = kernel reads
 * {@code x[c, f·pt+kt, y·ph+ky, x·pw+kx]} for weight index {@code (c, kt, ky, kx)} and tokens are
 * {@code flatten(2)} of {@code (F', H', W')}; the output is {@code reshape(F', H', W', pt, ph, pw, C)} then
 * {@code permute(7, 1, 4, 2, 5, 3, 6)}.
 */
class WanPatchesTest {

    @Test
    void patchifyAndUnpatchifyFollowDiffusersIndexing() {
        int[] patch = {2, 2, 3};
        int c = 3, frames = 4, height = 6, width = 9;
        WanPatches p = new WanPatches(patch, frames, height, width);
        int gf = 2, gh = 3, gw = 3;
        assertEquals(gf * gh * gw, p.grid().volume());
        float[] latent = new float[c * frames * height * width];
        for (int i = 0; i < latent.length; i++) latent[i] = i;
        int per = c * 2 * 2 * 3;
        float[] tokens = new float[gf * gh * gw * per];
        p.patchify(latent, 0, c, tokens, 0);
        for (int f = 0; f < gf; f++) for (int y = 0; y < gh; y++) for (int x = 0; x < gw; x++) {
            int token = (f * gh + y) * gw + x;
            for (int ch = 0; ch < c; ch++) for (int kt = 0; kt < 2; kt++) for (int ky = 0; ky < 2; ky++) for (int kx = 0; kx < 3; kx++) {
                int weightIndex = ((ch * 2 + kt) * 2 + ky) * 3 + kx;
                int source = ((ch * frames + f * 2 + kt) * height + y * 2 + ky) * width + x * 3 + kx;
                assertEquals(latent[source], tokens[token * per + weightIndex]);
            }
        }
        float[] out = new float[latent.length];
        p.unpatchify(tokens, 0, c, out, 0);
        for (int f = 0; f < gf; f++) for (int y = 0; y < gh; y++) for (int x = 0; x < gw; x++) {
            int token = (f * gh + y) * gw + x;
            for (int kt = 0; kt < 2; kt++) for (int ky = 0; ky < 2; ky++) for (int kx = 0; kx < 3; kx++) for (int ch = 0; ch < c; ch++) {
                int feature = ((kt * 2 + ky) * 3 + kx) * c + ch;
                int target = ((ch * frames + f * 2 + kt) * height + y * 2 + ky) * width + x * 3 + kx;
                assertEquals(tokens[token * per + feature], out[target]);
            }
        }
    }

    @Test
    void sizesThatAreNotMultiplesOfThePatchAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WanPatches(new int[] {1, 2, 2}, 3, 7, 8));
        assertEquals("latent height 7 must be a positive multiple of the patch size 2", e.getMessage());
    }
}
