package io.tilewise.attention.piecewise;


/**
 * PISA's block choice for one query block: the {@code topK} highest block scores, ties broken towards the lower
 * block index so the choice is deterministic. A NaN score counts as −∞ (it can never be preferred).
 *
 * <p>O(N) expected per query block: the threshold is the k-th largest score, found by quickselect on a copy (a
 * full sort was ~1 ms per head at Wan's 122 blocks, 12 heads per call), then one pass takes every score above it
 * and, in index order, as many scores equal to it as are still missing.
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
        double threshold = nth(scratch, count, count - topK);
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

    /**
     * The value at index {@code nth} of {@code a[0, count)} once sorted ascending (reorders {@code a}): Hoare
     * partitioning around a median of three, narrowing to the side that holds {@code nth}. Values are never NaN.
     */
    static double nth(double[] a, int count, int nth) {
        int lo = 0;
        int hi = count - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            double pivot = median(a[lo], a[mid], a[hi]);
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) {
                    double t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            // Now a[lo..j] <= pivot <= a[i..hi], and everything strictly between j and i equals the pivot.
            if (nth <= j) hi = j;
            else if (nth >= i) lo = i;
            else return a[nth];
        }
        return a[nth];
    }

    private static double median(double x, double y, double z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }

    private static double clean(double s) {
        return Double.isNaN(s) ? Double.NEGATIVE_INFINITY : s;
    }
}
