package io.tilewise.bench.files;

import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.api.TokenLayout;
import io.tilewise.attention.dense.DenseReference;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.io.NpyArray;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.attention.memory.MemoryLimit;
import io.tilewise.attention.metrics.TensorMetrics;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.bench.Layouts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One attention call on {@code .npy} files: q, k, v as {@code [batch, heads, seqLen, headDim]} or
 * {@code [heads, seqLen, headDim]} in, the output (same rank) and optionally the log-sum-exp ({@code [b, h, n]}
 * or {@code [h, n]}) out. Everything that can be wrong with the request is checked before the kernel runs, and
 * files are written only after it succeeded, each atomically, so a failure leaves no output file.
 */
public final class NpyAttention {

    /**
     * @param method       method spec, e.g. {@code dense} or {@code blocksparse:keep=0.25}
     * @param lse          where to write the log-sum-exp, or null
     * @param grid         video grid, or null for a 1-D sequence
     * @param scale        softmax scale, or null for {@code 1/sqrt(headDim)}
     * @param compareDense also run the fp64 dense reference and report the error against it
     */
    public record Request(String method, Path q, Path k, Path v, Path out, Path lse, TokenGrid grid, int textTokens,
                          TextPlacement placement, Float scale, boolean compareDense) {
    }

    /** What ran and how it went; {@code vsDense} is null unless asked for. */
    public record Result(String spec, AttentionShape shape, double executedDensity, double forwardMs, TensorMetrics vsDense,
                         List<String> warnings) {

        public Result {
            warnings = List.copyOf(warnings);
        }

        /** One summary line, e.g. {@code blocksparse:keep=0.25 [1, 4, 1024, 64] 1x1x1024: density 0.250, 12.3 ms}. */
        public String summary() {
            String line = String.format(Locale.ROOT, "%s [%d, %d, %d, %d] layout %s: executed density %.3f, %.2f ms",
                    spec, shape.batch(), shape.heads(), shape.seqLen(), shape.headDim(), shape.layout(),
                    executedDensity, forwardMs);
            return vsDense == null ? line : line + String.format(Locale.ROOT,
                    "; vs fp64 dense: relL2 %.3e, cosine %.6f, maxAbs %.3e", vsDense.relL2(), vsDense.cosine(), vsDense.maxAbs());
        }
    }

    private NpyAttention() {
    }

    /**
     * @throws IllegalArgumentException for a bad method, option or shape (one line naming it)
     * @throws IOException              for a missing or malformed file, or an output that cannot be written
     */
    public static Result run(Request r) throws IOException {
        if (r.scale() != null && !(r.scale() > 0 && Float.isFinite(r.scale()))) {
            throw new IllegalArgumentException("--scale " + r.scale() + " must be a positive finite number");
        }
        requireWritable(r.out(), "--out");
        if (r.lse() != null) {
            requireWritable(r.lse(), "--lse");
            if (r.lse().toAbsolutePath().normalize().equals(r.out().toAbsolutePath().normalize())) {
                throw new IllegalArgumentException("--out and --lse name the same file " + r.out());
            }
        }
        AttentionKernel kernel = AttentionMethods.create(r.method());

        checkMemory(r);
        NpyArray qa = Npy.read(r.q());
        NpyArray ka = Npy.read(r.k());
        NpyArray va = Npy.read(r.v());
        List<String> warnings = new ArrayList<>();
        nonFinite(qa, "--q " + r.q()).ifPresent(warnings::add);
        nonFinite(ka, "--k " + r.k()).ifPresent(warnings::add);
        nonFinite(va, "--v " + r.v()).ifPresent(warnings::add);
        requireSameShape(qa, "--q " + r.q(), ka, "--k " + r.k());
        requireSameShape(qa, "--q " + r.q(), va, "--v " + r.v());
        int rank = qa.shape().length;
        try (Tensor q = qa.toTensor("--q " + r.q());
             Tensor k = ka.toTensor("--k " + r.k());
             Tensor v = va.toTensor("--v " + r.v())) {
            TokenLayout layout = Layouts.forInput(q.seqLen(), r.grid(), r.textTokens(), r.placement(), "--q " + r.q());
            AttentionShape shape = new AttentionShape(q.batch(), q.heads(), q.headDim(), layout);
            Support support = kernel.supports(shape, Device.CPU);
            if (!support.supported()) throw new IllegalArgumentException(support.reason());

            AttentionContext ctx = r.scale() == null ? AttentionContext.standalone()
                    : AttentionContext.standalone().withScale(r.scale());
            try (Tensor out = q.zerosLike();
                 Tensor lse = r.lse() == null ? null : q.lseLike();
                 AttentionSession session = kernel.prepare(shape, Device.CPU)) {
                long start = System.nanoTime();
                session.forward(q, k, v, ctx, out, lse);
                double ms = (System.nanoTime() - start) / 1e6;
                TensorMetrics vsDense = r.compareDense() ? againstReference(q, k, v, ctx, out) : null;

                float[] values = out.toArray();
                Npy.write(r.out(), new NpyArray(qa.shape(), values));
                nonFinite(new NpyArray(qa.shape(), values), "output " + r.out()).ifPresent(warnings::add);
                if (lse != null) {
                    int[] lseShape = rank == 3 ? new int[] {q.heads(), q.seqLen()} : new int[] {q.batch(), q.heads(), q.seqLen()};
                    Npy.write(r.lse(), new NpyArray(lseShape, lse.toArray()));
                }
                return new Result(kernel.spec(), shape, session.executedDensity(), ms, vsDense, warnings);
            }
        }
    }

    /**
     * Refuses inputs whose values cannot fit before reading them (three 2 GiB tensors once read for 100 s, then
     * died with a stack trace): each input is held as read and as a tensor, the output as a tensor, an array and
     * the file's buffer, and the fp64 check adds one more.
     */
    private static void checkMemory(Request r) throws IOException {
        int[] shape = Npy.shape(r.q());
        Npy.shape(r.k());
        Npy.shape(r.v());
        long[] dims = Arrays.stream(shape).asLongStream().toArray();
        MemoryEstimate.Builder estimate = MemoryEstimate.builder("attention on " + Arrays.toString(shape) + " inputs")
                .floats("q, k, v as read", dims).floats("q, k, v as read", dims).floats("q, k, v as read", dims)
                .floats("q, k, v tensors", dims).floats("q, k, v tensors", dims).floats("q, k, v tensors", dims)
                .floats("output", dims).floats("output", dims).floats("output", dims);
        if (r.compareDense()) estimate.floats("fp64 dense check", dims);
        MemoryLimit.defaults().check(estimate.build());
    }

    /** "NaN in --q q.npy at [0, 1, 5, 2] (first of 3 non-finite values)", or empty when every value is finite. */
    static java.util.Optional<String> nonFinite(NpyArray array, String name) {
        float[] data = array.data();
        int first = -1;
        long count = 0;
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                if (first < 0) first = i;
                count++;
            }
        }
        if (first < 0) return java.util.Optional.empty();
        int[] shape = array.shape();
        int[] at = new int[shape.length];
        for (int d = shape.length - 1, rest = first; d >= 0; d--) {
            at[d] = rest % shape[d];
            rest /= shape[d];
        }
        return java.util.Optional.of((Float.isNaN(data[first]) ? "NaN" : data[first] > 0 ? "+Inf" : "-Inf") + " in " + name
                + " at " + Arrays.toString(at) + " (first of " + count + " non-finite values)");
    }

    private static TensorMetrics againstReference(Tensor q, Tensor k, Tensor v, AttentionContext ctx, Tensor out) {
        try (Tensor expected = q.zerosLike()) {
            DenseReference.forward(q, k, v, ctx.scaleFor(q.headDim()), expected, null);
            return TensorMetrics.compare(out, expected);
        }
    }

    private static void requireSameShape(NpyArray a, String aName, NpyArray b, String bName) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(bName + " has shape " + Arrays.toString(b.shape()) + ", but " + aName
                    + " has " + Arrays.toString(a.shape()) + "; q, k and v must have the same shape");
        }
    }

    private static void requireWritable(Path path, String option) throws IOException {
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IOException(option + " " + path + ": directory " + parent + " does not exist");
        }
        if (Files.isDirectory(path)) throw new IOException(option + " " + path + " is a directory, not a file");
    }
}
