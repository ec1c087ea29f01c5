package io.tilewise.wan.vae;

import io.tilewise.pipeline.model.JsonFiles;
import io.tilewise.attention.io.UserFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.ModelFormatException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The decoder-relevant part of a diffusers {@code AutoencoderKLWan} {@code config.json} (Wan 2.1: no residual
 * up-blocks, no patching). Keys left out take diffusers' constructor defaults, as {@code from_pretrained} does.
 *
 * @param decoderBaseDim     {@code decoder_base_dim}, or {@code base_dim} when null
 * @param temporalDownsample {@code temperal_downsample} (diffusers' spelling); the decoder uses it reversed
 */
public record WanVaeConfig(int baseDim, int decoderBaseDim, int zDim, int[] dimMult, int numResBlocks,
                           boolean[] temporalDownsample, int outChannels, float[] latentsMean, float[] latentsStd) {

    public static final String CLASS_NAME = "AutoencoderKLWan";

    private static final float[] DEFAULT_MEAN = {-0.7571f, -0.7089f, -0.9113f, 0.1075f, -0.1745f, 0.9653f, -0.1517f,
            1.5508f, 0.4134f, -0.0715f, 0.5517f, -0.3632f, -0.1922f, -0.9497f, 0.2503f, -0.2921f};
    private static final float[] DEFAULT_STD = {2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f, 2.6052f,
            2.0743f, 3.2687f, 2.1526f, 2.8652f, 1.5579f, 1.6382f, 1.1253f, 2.8251f, 1.9160f};

    public WanVaeConfig {
        dimMult = dimMult.clone();
        temporalDownsample = temporalDownsample.clone();
        latentsMean = latentsMean.clone();
        latentsStd = latentsStd.clone();
    }

    /** Reads and checks {@code config.json} of a {@code vae/} folder; every problem names the file and the key. */
    public static WanVaeConfig read(Path configJson) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(UserFiles.readUtf8(configJson, "VAE config", JsonFiles.MAX_BYTES));
        } catch (IOException e) {
            throw new ModelFormatException(configJson + ": cannot read the VAE config (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) throw bad(configJson, "is not a JSON object");
        String cls = root.path("_class_name").asText("");
        if (!CLASS_NAME.equals(cls)) {
            throw bad(configJson, "_class_name is '" + cls + "'; the Wan VAE decoder needs " + CLASS_NAME);
        }
        if (root.path("is_residual").asBoolean(false)) {
            throw bad(configJson, "is_residual is true (a Wan 2.2 VAE); only the Wan 2.1 VAE (is_residual false) is supported");
        }
        if (root.hasNonNull("patch_size")) {
            throw bad(configJson, "patch_size is " + root.get("patch_size") + "; only the Wan 2.1 VAE (patch_size null) is supported");
        }
        int baseDim = positive(configJson, root, "base_dim", 96);
        int decoderBaseDim = root.hasNonNull("decoder_base_dim") ? positive(configJson, root, "decoder_base_dim", baseDim) : baseDim;
        int zDim = positive(configJson, root, "z_dim", 16);
        int[] dimMult = root.has("dim_mult") ? ints(configJson, root, "dim_mult") : new int[] {1, 2, 4, 4};
        if (dimMult.length == 0) throw bad(configJson, "dim_mult is empty; it needs at least one multiplier");
        for (int m : dimMult) {
            if (m <= 0 || m > 64) throw bad(configJson, "dim_mult " + Arrays.toString(dimMult) + " must hold multipliers in 1..64");
        }
        int numResBlocks = root.has("num_res_blocks") ? nonNegative(configJson, root, "num_res_blocks") : 2;
        boolean[] temporal = root.has("temperal_downsample") ? booleans(configJson, root, "temperal_downsample")
                : new boolean[] {false, true, true};
        if (temporal.length != dimMult.length - 1) {
            throw bad(configJson, "temperal_downsample has " + temporal.length + " entries; dim_mult " + Arrays.toString(dimMult)
                    + " needs " + (dimMult.length - 1));
        }
        int outChannels = positive(configJson, root, "out_channels", 3);
        if (outChannels != 3) throw bad(configJson, "out_channels is " + outChannels + "; a video decoder needs 3 (RGB)");
        float[] mean = root.has("latents_mean") ? floats(configJson, root, "latents_mean") : DEFAULT_MEAN;
        float[] std = root.has("latents_std") ? floats(configJson, root, "latents_std") : DEFAULT_STD;
        if (mean.length != zDim) throw bad(configJson, "latents_mean has " + mean.length + " values; z_dim is " + zDim);
        if (std.length != zDim) throw bad(configJson, "latents_std has " + std.length + " values; z_dim is " + zDim);
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) throw bad(configJson, "latents_std holds " + s + "; every value must be positive and finite");
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) throw bad(configJson, "latents_mean holds " + m + "; every value must be finite");
        }
        WanVaeConfig config = new WanVaeConfig(baseDim, decoderBaseDim, zDim, dimMult, numResBlocks, temporal, outChannels, mean, std);
        for (int d : config.decoderDims()) {
            if (d > 1 && d % 2 != 0) {
                throw bad(configJson, "decoder width " + d + " (decoder_base_dim × dim_mult) is odd; the up-samplers halve it");
            }
        }
        return config;
    }

    /**
     * Channel widths of the decoder: {@code dims[0]} for conv_in and the mid block, then up-block {@code i} ends at
     * {@code dims[i + 1]} (diffusers' {@code [dim_mult[-1]] + dim_mult[::-1]} times the base).
     */
    public int[] decoderDims() {
        int[] dims = new int[dimMult.length + 1];
        dims[0] = decoderBaseDim * dimMult[dimMult.length - 1];
        for (int i = 0; i < dimMult.length; i++) dims[i + 1] = decoderBaseDim * dimMult[dimMult.length - 1 - i];
        return dims;
    }

    /** {@code temperal_downsample} reversed: whether up-block {@code i}'s up-sampler also doubles the frames. */
    public boolean temporalUpsample(int upBlock) {
        return temporalDownsample[temporalDownsample.length - 1 - upBlock];
    }

    public int upBlocks() {
        return dimMult.length;
    }

    /** Output pixels per latent pixel along each spatial axis. */
    public int spatialScale() {
        return 1 << (dimMult.length - 1);
    }

    /** Output frames per latent frame after the first: each temporal up-sampler doubles them. */
    public int temporalScale() {
        int s = 1;
        for (boolean t : temporalDownsample) if (t) s *= 2;
        return s;
    }

    /** Output frames for {@code latentFrames}: the first latent frame gives one frame, each later one temporalScale. */
    public int outputFrames(int latentFrames) {
        return 1 + temporalScale() * (latentFrames - 1);
    }

    /**
     * Floats the decoder carries between chunks for a latent plane of {@code latentPixels}: every causal convolution
     * keeps its last 2 input frames ({@code CACHE_T}), at its level's width and resolution (conv_in, the mid block, each
     * up block's residual convolutions and time convolution, conv_out): 3.8 GB at 480x832 with Wan2.1's widths.
     */
    public long carriedCacheFloats(long latentPixels) {
        int[] dims = decoderDims();
        long pixels = latentPixels;
        long channels = zDim + 4L * dims[0];
        long total = channels * pixels;
        int last = upBlocks() - 1;
        for (int i = 0; i <= last; i++) {
            int in = i == 0 ? dims[0] : dims[i] / 2;
            int out = dims[i + 1];
            long level = in + out + (long) numResBlocks * 2 * out;
            if (i < last && temporalUpsample(i)) level += out;
            total += level * pixels;
            if (i < last) pixels *= 4;
        }
        total += (long) dims[dims.length - 1] * pixels;   // conv_out
        return 2 * total;
    }

    @Override public int[] dimMult() { return dimMult.clone(); }
    @Override public boolean[] temporalDownsample() { return temporalDownsample.clone(); }
    @Override public float[] latentsMean() { return latentsMean.clone(); }
    @Override public float[] latentsStd() { return latentsStd.clone(); }

    private static int positive(Path file, JsonNode root, String key, int fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) return fallback;
        if (!n.isIntegralNumber() || n.asLong() <= 0 || n.asLong() > 1 << 16) {
            throw bad(file, key + " is " + n + "; it must be a positive integer");
        }
        return n.asInt();
    }

    private static int nonNegative(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (!n.isIntegralNumber() || n.asLong() < 0 || n.asLong() > 64) throw bad(file, key + " is " + n + "; it must be an integer in 0..64");
        return n.asInt();
    }

    private static int[] ints(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (!n.isArray()) throw bad(file, key + " is " + n + "; it must be a list of integers");
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isIntegralNumber()) throw bad(file, key + " is " + n + "; it must be a list of integers");
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    private static boolean[] booleans(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (!n.isArray()) throw bad(file, key + " is " + n + "; it must be a list of true/false");
        boolean[] out = new boolean[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isBoolean()) throw bad(file, key + " is " + n + "; it must be a list of true/false");
            out[i] = n.get(i).asBoolean();
        }
        return out;
    }

    private static float[] floats(Path file, JsonNode root, String key) {
        JsonNode n = root.get(key);
        if (!n.isArray()) throw bad(file, key + " is " + n + "; it must be a list of numbers");
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isNumber()) throw bad(file, key + " is " + n + "; it must be a list of numbers");
            out[i] = (float) n.get(i).asDouble();
        }
        return out;
    }

    private static ModelFormatException bad(Path file, String what) {
        return new ModelFormatException(file + ": " + what);
    }
}
