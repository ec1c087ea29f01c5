package io.tilewise.training;

/**
 * Patchify / unpatchify of the contract: tokens frame-major then row-major; a patch vector holds
 * {@code patch[c·pt·ph·pw + dt·ph·pw + dy·pw + dx]}.
 */
public final class Patches {

    private Patches() {
    }

    /** {@code [3, F, H, W]} → {@code [N, P]} written at {@code out[offset..]}. */
    public static void patchify(float[] video, int channels, int frames, int height, int width, int[] patch,
                                float[] out, int offset) {
        int pt = patch[0], ph = patch[1], pw = patch[2];
        int gf = frames / pt, gh = height / ph, gw = width / pw;
        int p = channels * pt * ph * pw;
        int plane = frames * height * width;
        for (int tf = 0; tf < gf; tf++) {
            for (int ty = 0; ty < gh; ty++) {
                for (int tx = 0; tx < gw; tx++) {
                    int base = offset + ((tf * gh + ty) * gw + tx) * p;
                    int k = 0;
                    for (int c = 0; c < channels; c++) {
                        for (int dt = 0; dt < pt; dt++) {
                            for (int dy = 0; dy < ph; dy++) {
                                for (int dx = 0; dx < pw; dx++) {
                                    int f = tf * pt + dt, y = ty * ph + dy, x = tx * pw + dx;
                                    out[base + k++] = video[c * plane + (f * height + y) * width + x];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** {@code [N, P]} read from {@code tokens[offset..]} → {@code [3, F, H, W]}. */
    public static float[] unpatchify(float[] tokens, int offset, int channels, int frames, int height, int width,
                                     int[] patch) {
        int pt = patch[0], ph = patch[1], pw = patch[2];
        int gf = frames / pt, gh = height / ph, gw = width / pw;
        int p = channels * pt * ph * pw;
        int plane = frames * height * width;
        float[] video = new float[channels * plane];
        for (int tf = 0; tf < gf; tf++) {
            for (int ty = 0; ty < gh; ty++) {
                for (int tx = 0; tx < gw; tx++) {
                    int base = offset + ((tf * gh + ty) * gw + tx) * p;
                    int k = 0;
                    for (int c = 0; c < channels; c++) {
                        for (int dt = 0; dt < pt; dt++) {
                            for (int dy = 0; dy < ph; dy++) {
                                for (int dx = 0; dx < pw; dx++) {
                                    int f = tf * pt + dt, y = ty * ph + dy, x = tx * pw + dx;
                                    video[c * plane + (f * height + y) * width + x] = tokens[base + k++];
                                }
                            }
                        }
                    }
                }
            }
        }
        return video;
    }
}
