package io.tilewise.attention.neighborhood;

/**
 * The NATTEN neighborhood rule along one axis (docs/methods.md §2.1), written straight from its definition: dilation
 * groups, stride groups sharing the window of a leader, windows shifted (not shrunk) at the borders, causal
 * windows that stop at the query. This is the single source of truth for GNA; the 3-D mask is the AND of three
 * axes.
 *
 * @param length   axis length L
 * @param window   window size k (1 means "same position only")
 * @param stride   stride-group size s, {@code 1 <= s <= k}
 * @param dilation dilation d, {@code k·d <= L}
 * @param causal   causal flag
 */
public record GnaAxis(int length, int window, int stride, int dilation, boolean causal) {

    public GnaAxis {
        if (length < 1 || window < 1 || stride < 1 || stride > window || dilation < 1 || (long) window * dilation > length) {
            throw new IllegalArgumentException("axis rule length " + length + ", window " + window + ", stride " + stride
                    + ", dilation " + dilation + " needs 1 <= stride <= window and window·dilation <= length");
        }
    }

    /** First key (compressed coordinate within the query's dilation group) of query {@code i}'s window. */
    public int windowStart(int i) {
        int groupLength = groupLength(i % dilation);
        int compressed = i / dilation;
        if (causal) {
            int leader = Math.min(compressed / stride * stride + stride - 1, groupLength - 1);
            return Math.max(leader - window + 1, 0);
        }
        int leader = Math.min(compressed / stride * stride + stride / 2, groupLength - 1);
        return Math.clamp(leader - window / 2, 0, groupLength - window);
    }

    /** One past the last key (compressed coordinate) of query {@code i}'s window. */
    public int windowEnd(int i) {
        return causal ? i / dilation + 1 : windowStart(i) + window;
    }

    /** Whether query position {@code i} attends key position {@code j} along this axis. */
    public boolean allowed(int i, int j) {
        if (i % dilation != j % dilation) return false;
        int compressed = j / dilation;
        return compressed >= windowStart(i) && compressed < windowEnd(i);
    }

    /** Number of positions in dilation group {@code g}: {@code ceil((L − g)/d)}. */
    public int groupLength(int g) {
        return (length - g + dilation - 1) / dilation;
    }

    /** The axis mask as text, one line per query, {@code #} for an attended key (the notation of docs/methods.md §2.1). */
    public String render() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < length; i++) {
            for (int j = 0; j < length; j++) sb.append(allowed(i, j) ? '#' : '.');
            sb.append('\n');
        }
        return sb.toString();
    }
}
