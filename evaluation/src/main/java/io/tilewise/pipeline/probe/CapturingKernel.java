package io.tilewise.pipeline.probe;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Branch;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.ForwardingKernel;
import io.tilewise.attention.api.ForwardingSession;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.io.AtomicFiles;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Saves the q, k, v of chosen attention calls of a generation as {@code .npy} files ({@code [1, heads, seqLen,
 * headDim]}, token order of the layout) — inputs for operator-level sweeps on what the model really computes. The
 * wrapped kernel runs as usual; files are named {@code step{S}-layer{L}-{q|k|v}.npy} (conditional branch).
 */
public final class CapturingKernel extends ForwardingKernel {

    /** A call to capture: conditional branch of {@code layer} at {@code step}. */
    public record At(int step, int layer) {
        /** Parses {@code STEP:LAYER}, e.g. {@code 10:1}. */
        public static At parse(String text) {
            String[] p = text.trim().split(":");
            try {
                if (p.length == 2) return new At(Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim()));
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
            throw new IllegalArgumentException("capture point '" + text + "' must be STEP:LAYER, e.g. 10:1");
        }

        String stem() {
            return String.format(Locale.ROOT, "step%d-layer%d", step, layer);
        }
    }

    private final Set<At> points;
    private final Path dir;
    private final List<Path> written;

    private CapturingKernel(AttentionKernel inner, Set<At> points, Path dir, List<Path> written) {
        super(inner);
        this.points = Set.copyOf(points);
        this.dir = dir;
        this.written = written;
    }

    /**
     * A kernel factory whose kernels capture at {@code points} into {@code dir}.
     *
     * @param written receives the paths of the files written (thread-safe list)
     */
    public static <S> Function<S, AttentionKernel> wrapping(Function<S, AttentionKernel> kernels, Set<At> points, Path dir,
                                                            List<Path> written) {
        List<Path> sink = Collections.synchronizedList(written);
        return spec -> new CapturingKernel(kernels.apply(spec), points, dir, sink);
    }

    @Override
    public AttentionSession prepare(AttentionShape shape, Device device) {
        return new ForwardingSession(inner.prepare(shape, device)) {
            @Override
            public void forward(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out, Tensor lse) {
                if (ctx.branch() == Branch.COND && points.contains(new At(ctx.step(), ctx.layer()))) {
                    String stem = new At(ctx.step(), ctx.layer()).stem();
                    save(q, stem + "-q.npy");
                    save(k, stem + "-k.npy");
                    save(v, stem + "-v.npy");
                }
                super.forward(q, k, v, ctx, out, lse);
            }
        };
    }

    private void save(Tensor t, String name) {
        Path file = dir.resolve(name);
        NpyArray array = NpyArray.of(t);
        AtomicFiles.write(file, tmp -> Npy.write(tmp, array));
        written.add(file);
    }
}
