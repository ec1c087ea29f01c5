package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.api.TokenMask;
import io.tilewise.attention.spec.SpecException;

/**
 * The GNA token mask of one layout: the AND of the three per-axis rules ({@link GnaAxis}) for video pairs, plus the
 * text rule — text queries attend every key, video queries attend every text key and their neighborhood. Positions
 * are sequence positions of the layout (text included).
 *
 * <p>Per axis the attended keys of each coordinate are tabulated once (first key, count; keys are {@code dilation}
 * apart), so the plan builder can walk windows instead of testing pairs.
 */
public final class GnaMask implements TokenMask {

    private final TokenLayout layout;
    private final GnaAxis[] axes = new GnaAxis[3];
    private final int[][] firstKey = new int[3][];
    private final int[][] keyCount = new int[3][];

    public GnaMask(GnaSpec spec, TokenLayout layout) {
        String problem = spec.check(layout.grid());
        if (problem != null) throw new SpecException(problem);
        this.layout = layout;
        TokenGrid grid = layout.grid();
        for (int a = 0; a < 3; a++) {
            GnaAxis axis = spec.axis(grid, a);
            axes[a] = axis;
            firstKey[a] = new int[axis.length()];
            keyCount[a] = new int[axis.length()];
            for (int i = 0; i < axis.length(); i++) {
                int start = axis.windowStart(i);
                firstKey[a][i] = i % axis.dilation() + start * axis.dilation();
                keyCount[a][i] = axis.windowEnd(i) - start;
            }
        }
    }

    public TokenLayout layout() {
        return layout;
    }

    public GnaAxis axis(int a) {
        return axes[a];
    }

    /** First attended key coordinate along axis {@code a} of query coordinate {@code i}. */
    int firstKey(int a, int i) {
        return firstKey[a][i];
    }

    /** Number of attended key coordinates along axis {@code a} of query coordinate {@code i}. */
    int keyCount(int a, int i) {
        return keyCount[a][i];
    }

    /** Distance between attended key coordinates along axis {@code a}. */
    int step(int a) {
        return axes[a].dilation();
    }

    @Override
    public boolean allowed(int query, int key) {
        if (layout.isText(query) || layout.isText(key)) return true;
        int[] q = layout.coords(query);
        int[] k = layout.coords(key);
        for (int a = 0; a < 3; a++) {
            int offset = k[a] - firstKey[a][q[a]];
            int step = axes[a].dilation();
            if (offset < 0 || offset % step != 0 || offset / step >= keyCount[a][q[a]]) return false;
        }
        return true;
    }
}
