package io.tilewise.wan.text;

/**
 * T5's bidirectional relative-position buckets (transformers' {@code _relative_position_bucket} with
 * {@code is_decoder = false}) for the encoder's {@code [L, L]} attention: half of the buckets for keys after the query,
 * half before; within a half, distances below a quarter of the buckets get their own bucket, longer ones share
 * log-spaced buckets up to {@code max_distance}, beyond which all fall in the last one.
 */
public final class RelativePositionBuckets {

    private RelativePositionBuckets() {
    }

    /** The bucket of {@code relative = key − query}. */
    public static int bucket(int relative, int numBuckets, int maxDistance) {
        int half = numBuckets / 2;
        int base = relative > 0 ? half : 0;
        int distance = Math.abs(relative);
        int maxExact = half / 2;
        if (distance < maxExact) return base + distance;
        // transformers computes the log ratio in float32 and truncates toward zero; for every distance up to 2048 and
        // the umt5 settings (32 buckets, 128) the double value truncates to the same integer (checked at the exact
        // powers 16, 32, 64, where the ratio is an integer, by RelativePositionBucketsTest).
        double ratio = Math.log((double) distance / maxExact) / Math.log((double) maxDistance / maxExact) * (half - maxExact);
        int large = maxExact + (int) ratio;
        return base + Math.min(large, half - 1);
    }

    /** Row-major {@code [length, length]} buckets, query along rows. */
    public static long[] matrix(int length, int numBuckets, int maxDistance) {
        long[] out = new long[length * length];
        for (int q = 0; q < length; q++) {
            for (int k = 0; k < length; k++) out[q * length + k] = bucket(k - q, numBuckets, maxDistance);
        }
        return out;
    }
}
