package io.tilewise.attention.neighborhood;

import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.spec.MethodSpec;
import io.tilewise.attention.spec.SpecException;
import io.tilewise.attention.spec.SpecReader;

import java.util.Arrays;

/**
 * {@code gna:window=FxHxW,stride=FxHxW,dilation=FxHxW,causal=FxHxW}: generalized neighborhood attention with
 * NATTEN semantics (docs/methods.md §2.1), one value per axis (frames, height, width) or one value for all axes.
 * Stride and dilation default to 1, causal to 0.
 *
 * <p>Spec-only rules are checked here ({@code window >= 1}, {@code 1 <= stride <= window}, {@code dilation >= 1},
 * causal 0/1); the rules that need the grid ({@code window·dilation <= axis length}) are checked by
 * {@link #check(TokenGrid)} when a shape is known. Unlike NATTEN ({@code k >= 2}) a window of 1 is accepted: that
 * axis then collapses to "same position only", which is how a 1-D problem is written on a 3-D grid
 * ({@code window=1x1x7} on grid {@code 1x1x40}).
 *
 * @param window   window (kernel) size per axis
 * @param stride   stride-group size per axis
 * @param dilation dilation per axis
 * @param causal   causal flag per axis
 */
public record GnaSpec(int[] window, int[] stride, int[] dilation, boolean[] causal) {

    /** Axis names in the order of {@link TokenGrid#size(int)}. */
    static final String[] AXES = {"frames", "height", "width"};

    public GnaSpec {
        window = requireAxes("window", window).clone();
        stride = requireAxes("stride", stride).clone();
        dilation = requireAxes("dilation", dilation).clone();
        if (causal == null || causal.length != 3) throw new SpecException("gna: causal needs 3 axes (frames, height, width)");
        causal = causal.clone();
        for (int a = 0; a < 3; a++) {
            if (window[a] < 1) {
                throw new SpecException("gna: window " + window[a] + " along " + AXES[a] + " is below 1 (allowed >= 1)");
            }
            if (stride[a] < 1 || stride[a] > window[a]) {
                throw new SpecException("gna: stride " + stride[a] + " along " + AXES[a] + " is outside 1..window "
                        + window[a] + " (allowed 1.." + window[a] + ")");
            }
            if (dilation[a] < 1) {
                throw new SpecException("gna: dilation " + dilation[a] + " along " + AXES[a] + " is below 1 (allowed >= 1)");
            }
        }
    }

    public static GnaSpec parse(String text) {
        return parse(MethodSpec.parse(text));
    }

    public static GnaSpec parse(MethodSpec spec) {
        SpecReader r = new SpecReader(spec, "window", "stride", "dilation", "causal");
        r.done();
        if (!r.has("window")) throw new SpecException("gna: window is required, e.g. gna:window=8x16x16");
        // Wide read bounds: the per-axis checks below name the axis, which SpecReader cannot.
        int[] window = r.axes("window", null, 3, Integer.MIN_VALUE, Integer.MAX_VALUE);
        int[] stride = r.axes("stride", new int[] {1, 1, 1}, 3, Integer.MIN_VALUE, Integer.MAX_VALUE);
        int[] dilation = r.axes("dilation", new int[] {1, 1, 1}, 3, Integer.MIN_VALUE, Integer.MAX_VALUE);
        int[] causalValues = r.axes("causal", new int[] {0, 0, 0}, 3, Integer.MIN_VALUE, Integer.MAX_VALUE);
        boolean[] causal = new boolean[3];
        for (int a = 0; a < 3; a++) {
            if (causalValues[a] != 0 && causalValues[a] != 1) {
                throw new SpecException("gna: causal " + causalValues[a] + " along " + AXES[a] + " is not a flag (allowed 0 or 1)");
            }
            causal[a] = causalValues[a] == 1;
        }
        return new GnaSpec(window, stride, dilation, causal);
    }

    /** The per-axis rule for axis {@code a} of {@code grid}; call {@link #check} first. */
    public GnaAxis axis(TokenGrid grid, int a) {
        return new GnaAxis(grid.size(a), window[a], stride[a], dilation[a], causal[a]);
    }

    /**
     * The first rule this spec breaks on {@code grid}, as one line naming axis, value and allowed range; null when
     * the spec fits the grid.
     */
    public String check(TokenGrid grid) {
        for (int a = 0; a < 3; a++) {
            int length = grid.size(a);
            if (window[a] > length) {
                return "gna: window " + window[a] + " along " + AXES[a] + " exceeds the grid " + AXES[a] + " " + length
                        + " (allowed 1.." + length + ")";
            }
            if ((long) window[a] * dilation[a] > length) {
                return "gna: window " + window[a] + " x dilation " + dilation[a] + " = " + (long) window[a] * dilation[a]
                        + " along " + AXES[a] + " exceeds the grid " + AXES[a] + " " + length
                        + " (allowed window·dilation <= " + length + ", i.e. dilation 1.." + length / window[a] + ")";
            }
        }
        return null;
    }

    /** Whether this spec is plain self-attention on {@code grid}: window = axis, no causal, on every axis. */
    public boolean isDenseOn(TokenGrid grid) {
        for (int a = 0; a < 3; a++) {
            if (window[a] != grid.size(a) || causal[a]) return false;
        }
        return true;
    }

    public String canonical() {
        int[] c = new int[3];
        for (int a = 0; a < 3; a++) c[a] = causal[a] ? 1 : 0;
        return "gna:window=" + axes(window) + ",stride=" + axes(stride) + ",dilation=" + axes(dilation)
                + ",causal=" + axes(c);
    }

    private static String axes(int[] v) {
        return v[0] + "x" + v[1] + "x" + v[2];
    }

    private static int[] requireAxes(String name, int[] values) {
        if (values == null || values.length != 3) throw new SpecException("gna: " + name + " needs 3 axes (frames, height, width)");
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GnaSpec s && Arrays.equals(window, s.window) && Arrays.equals(stride, s.stride)
                && Arrays.equals(dilation, s.dilation) && Arrays.equals(causal, s.causal);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {Arrays.hashCode(window), Arrays.hashCode(stride), Arrays.hashCode(dilation),
                Arrays.hashCode(causal)});
    }

    @Override
    public String toString() {
        return canonical();
    }

    @Override
    public int[] window() {
        return window.clone();
    }

    @Override
    public int[] stride() {
        return stride.clone();
    }

    @Override
    public int[] dilation() {
        return dilation.clone();
    }

    @Override
    public boolean[] causal() {
        return causal.clone();
    }
}
