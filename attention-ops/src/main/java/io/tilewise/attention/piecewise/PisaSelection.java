package io.tilewise.attention.piecewise;

import java.util.Arrays;

/**
 * PISA's block choice for one query block: the {@code topK} highest block scores, ties broken towards the lower
 * block index so the choice is deterministic. A NaN score counts as −∞ (it can never be preferred).
 *
 * <p>O(N log N) per query block: the threshold is the k-th largest score of a sorted copy, then one pass takes
 * every score above it and, in index order, as many scores equal to it as are still missing.
 */
public final class PisaSelection {

    private PisaSelection() {
    }

    /**
     * Indices of the {@code topK} best of {@code scores[offset, offset+count)}, ascending.
     *
     * @param scratch at least {@code count} doubles, overwritten
     */
    public static int[] select(double[] scores, int offset, int count, int topK, double[] scratch) {
        if (topK < 1 || topK > count) throw new IllegalArgumentException("topK " + topK + " must be in 1.." + count);
        int[] chosen = new int[topK];
        if (topK == count) {
            for (int j = 0; j < count; j++) chosen[j] = j;
            return chosen;
        }
        for (int j = 0; j < count; j++) scratch[j] = clean(scores[offset + j]);
        Arrays.sort(scratch, 0, count);
        double threshold = scratch[count - topK];
        int above = 0;
        for (int j = 0; j < count; j++) if (clean(scores[offset + j]) > threshold) above++;
        int equalNeeded = topK - above;
        int n = 0;
        for (int j = 0; j < count; j++) {
            double s = clean(scores[offset + j]);
            if (s > threshold || (s == threshold && equalNeeded-- > 0)) chosen[n++] = j;
        }
        return chosen;
    }

    private static double clean(double s) {
        return Double.isNaN(s) ? Double.NEGATIVE_INFINITY : s;
    }
}
