package io.tilewise.wan.reference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An fp64 plain-Java {@code AutoencoderKLWan} decode plus WanPipeline's latent un-normalization and [0, 1]
 * conversion, written from diffusers' source in whole-clip form: every causal convolution runs over the whole
 * time axis with its {@code 2·p} zero frames on the left, and a temporal up-sampler passes frame 0 through (diffusers'
 * first chunk, marked "Rep") while its time convolution runs causally over frames {@code 1..} only. No chunking,
 * no caches: the production decoder's chunked cache bookkeeping is checked against this.
 */
public final class WanVaeReference implements AutoCloseable {

    /** A {@code [C, T, H, W]} activation. */
    record Vol(int c, int t, int h, int w, double[] v) {
        Vol(int c, int t, int h, int w) {
            this(c, t, h, w, new double[c * t * h * w]);
        }

        int at(int ci, int ti, int y, int x) {
            return ((ci * t + ti) * h + y) * w + x;
        }
    }

    private final JsonNode config;
    private final SafetensorsFile weights;

    public WanVaeReference(Path vaeDir) throws IOException {
        this.config = new ObjectMapper().readTree(Files.readString(vaeDir.resolve("config.json")));
        this.weights = SafetensorsFile.open(vaeDir.resolve("diffusion_pytorch_model.safetensors"));
    }

    /** Normalized latents {@code [z, F', H', W']} → frames {@code [F, H, W, 3]} in [0, 1]. */
    public double[] decode(float[] latents, int frames, int height, int width) {
        int z = config.get("z_dim").asInt();
        Vol x = new Vol(z, frames, height, width);
        for (int c = 0; c < z; c++) {
            double mean = (float) config.get("latents_mean").get(c).asDouble();
            double std = (float) config.get("latents_std").get(c).asDouble();
            for (int i = 0; i < frames * height * width; i++) {
                int idx = c * frames * height * width + i;
                x.v[idx] = latents[idx] * std + mean;
            }
        }
        int n = config.get("dim_mult").size();
        int resBlocks = config.get("num_res_blocks").asInt();
        JsonNode down = config.get("temperal_downsample");

        x = conv(x, "post_quant_conv", 0, 0);
        x = conv(x, "decoder.conv_in", 2, 1);
        x = residual(x, "decoder.mid_block.resnets.0");
        x = attention(x, "decoder.mid_block.attentions.0");
        x = residual(x, "decoder.mid_block.resnets.1");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= resBlocks; j++) x = residual(x, "decoder.up_blocks." + i + ".resnets." + j);
            if (i == n - 1) break;
            String up = "decoder.up_blocks." + i + ".upsamplers.0.";
            if (down.get(n - 2 - i).asBoolean()) x = doubleFrames(x, up + "time_conv");
            x = conv2dEachFrame(nearestTimesTwo(x), up + "resample.1");
        }
        x = silu(rmsNorm(x, "decoder.norm_out.gamma"));
        x = conv(x, "decoder.conv_out", 2, 1);

        double[] video = new double[x.t * x.h * x.w * 3];
        for (int t = 0; t < x.t; t++) {
            for (int y = 0; y < x.h; y++) {
                for (int xx = 0; xx < x.w; xx++) {
                    for (int c = 0; c < 3; c++) {
                        double s = Math.max(-1, Math.min(1, x.v[x.at(c, t, y, xx)]));
                        video[((t * x.h + y) * x.w + xx) * 3 + c] = Math.max(0, Math.min(1, s / 2 + 0.5));
                    }
                }
            }
        }
        return video;
    }

    @Override
    public void close() {
        weights.close();
    }

    /** WanResidualBlock (shortcut conv only when the widths differ). */
    private Vol residual(Vol x, String p) {
        Vol h = x;
        if (weights.tensors().containsKey(p + ".conv_shortcut.weight")) h = conv(x, p + ".conv_shortcut", 0, 0);
        Vol y = conv(silu(rmsNorm(x, p + ".norm1.gamma")), p + ".conv1", 2, 1);
        y = conv(silu(rmsNorm(y, p + ".norm2.gamma")), p + ".conv2", 2, 1);
        return add(y, h);
    }

    /** Single-head self-attention over each frame's pixels, as WanAttentionBlock. */
    private Vol attention(Vol x, String p) {
        Vol n = rmsNorm(x, p + ".norm.gamma");
        Vol qkv = conv(n, p + ".to_qkv", 0, 0);
        int c = x.c;
        int hw = x.h * x.w;
        Vol o = new Vol(c, x.t, x.h, x.w);
        double scale = 1 / Math.sqrt(c);
        for (int t = 0; t < x.t; t++) {
            for (int i = 0; i < hw; i++) {
                double[] s = new double[hw];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < hw; j++) {
                    double dot = 0;
                    for (int ch = 0; ch < c; ch++) {
                        dot += qkv.v[(ch * x.t + t) * hw + i] * qkv.v[((c + ch) * x.t + t) * hw + j];
                    }
                    s[j] = dot * scale;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < hw; j++) {
                    s[j] = Math.exp(s[j] - max);
                    sum += s[j];
                }
                for (int ch = 0; ch < c; ch++) {
                    double acc = 0;
                    for (int j = 0; j < hw; j++) acc += s[j] * qkv.v[((2 * c + ch) * x.t + t) * hw + j];
                    o.v[(ch * x.t + t) * hw + i] = acc / sum;
                }
            }
        }
        return add(conv(o, p + ".proj", 0, 0), x);
    }

    /**
     * upsample3d's time part: frame 0 unchanged; frames 1.. through the causal (3,1,1) conv to 2C channels, each
     * giving two frames (first half of the channels, then the second half).
     */
    private Vol doubleFrames(Vol x, String p) {
        Vol rest = new Vol(x.c, x.t - 1, x.h, x.w);
        int frame = x.h * x.w;
        for (int c = 0; c < x.c; c++) {
            System.arraycopy(x.v, (c * x.t + 1) * frame, rest.v, c * rest.t * frame, rest.t * frame);
        }
        Vol y = rest.t == 0 ? null : conv(rest, p, 2, 0);
        Vol out = new Vol(x.c, 1 + 2 * rest.t, x.h, x.w);
        for (int c = 0; c < x.c; c++) {
            System.arraycopy(x.v, c * x.t * frame, out.v, c * out.t * frame, frame);
            for (int t = 0; t < rest.t; t++) {
                for (int half = 0; half < 2; half++) {
                    System.arraycopy(y.v, ((half * x.c + c) * rest.t + t) * frame, out.v, (c * out.t + 1 + 2 * t + half) * frame, frame);
                }
            }
        }
        return out;
    }

    private static Vol nearestTimesTwo(Vol x) {
        Vol o = new Vol(x.c, x.t, 2 * x.h, 2 * x.w);
        for (int c = 0; c < x.c; c++)
            for (int t = 0; t < x.t; t++)
                for (int y = 0; y < o.h; y++)
                    for (int xx = 0; xx < o.w; xx++) o.v[o.at(c, t, y, xx)] = x.v[x.at(c, t, y / 2, xx / 2)];
        return o;
    }

    /** A Conv2d (kernel k, padding k/2) applied to each frame. */
    private Vol conv2dEachFrame(Vol x, String p) {
        long[] s = weights.info(p + ".weight").shape();
        float[] w4 = weights.floats(p + ".weight");
        return convolve(x, w4, weights.floats(p + ".bias"), (int) s[0], 1, (int) s[2], (int) s[3], 0, (int) s[2] / 2);
    }

    /** A Conv3d with {@code timePad} zero frames on the left only and {@code spacePad} on each spatial side. */
    private Vol conv(Vol x, String p, int timePad, int spacePad) {
        long[] s = weights.info(p + ".weight").shape();
        if (s.length == 4) return conv2dEachFrame(x, p); // the attention's 1×1 Conv2d layers
        return convolve(x, weights.floats(p + ".weight"), weights.floats(p + ".bias"), (int) s[0], (int) s[2], (int) s[3], (int) s[4],
                timePad, spacePad);
    }

    private static Vol convolve(Vol x, float[] w, float[] b, int out, int kt, int kh, int kw, int timePad, int spacePad) {
        Vol o = new Vol(out, x.t, x.h, x.w);
        for (int oc = 0; oc < out; oc++) {
            for (int t = 0; t < x.t; t++) {
                for (int y = 0; y < x.h; y++) {
                    for (int xx = 0; xx < x.w; xx++) {
                        double acc = b[oc];
                        for (int ic = 0; ic < x.c; ic++) {
                            for (int a = 0; a < kt; a++) {
                                int ti = t + a - timePad;
                                if (ti < 0 || ti >= x.t) continue;
                                for (int dy = 0; dy < kh; dy++) {
                                    int yi = y + dy - spacePad;
                                    if (yi < 0 || yi >= x.h) continue;
                                    for (int dx = 0; dx < kw; dx++) {
                                        int xi = xx + dx - spacePad;
                                        if (xi < 0 || xi >= x.w) continue;
                                        acc += w[(((oc * x.c + ic) * kt + a) * kh + dy) * kw + dx] * x.v[x.at(ic, ti, yi, xi)];
                                    }
                                }
                            }
                        }
                        o.v[o.at(oc, t, y, xx)] = acc;
                    }
                }
            }
        }
        return o;
    }

    /** F.normalize over channels (eps 1e-12) · sqrt(C) · gamma. */
    private Vol rmsNorm(Vol x, String gammaName) {
        float[] gamma = weights.floats(gammaName);
        Vol o = new Vol(x.c, x.t, x.h, x.w);
        int plane = x.t * x.h * x.w;
        for (int i = 0; i < plane; i++) {
            double sq = 0;
            for (int c = 0; c < x.c; c++) sq += x.v[c * plane + i] * x.v[c * plane + i];
            double norm = Math.max(Math.sqrt(sq), 1e-12);
            for (int c = 0; c < x.c; c++) o.v[c * plane + i] = x.v[c * plane + i] / norm * Math.sqrt(x.c) * gamma[c];
        }
        return o;
    }

    private static Vol silu(Vol x) {
        Vol o = new Vol(x.c, x.t, x.h, x.w);
        for (int i = 0; i < x.v.length; i++) o.v[i] = x.v[i] / (1 + Math.exp(-x.v[i]));
        return o;
    }

    private static Vol add(Vol a, Vol b) {
        Vol o = new Vol(a.c, a.t, a.h, a.w);
        for (int i = 0; i < a.v.length; i++) o.v[i] = a.v[i] + b.v[i];
        return o;
    }
}
