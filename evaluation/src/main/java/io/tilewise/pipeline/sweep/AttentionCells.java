package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.attention.api.AttentionContext;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.dense.DenseKernel;
import io.tilewise.attention.io.Npy;
import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.attention.tensor.Tensor;
import io.tilewise.pipeline.probe.ProbeLog;
import io.tilewise.pipeline.probe.ProbeRecord;
import io.tilewise.pipeline.probe.ProbeSampler;
import io.tilewise.pipeline.probe.ProbedKernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * Operator-level cells: one method on one shape and input set against dense attention on the same q, k, v —
 * relative L2, cosine, softmax mass inside the mask and executed density (one probed call), then a warm-up and
 * {@code repeats} interleaved rounds of dense and method, timed; medians and their ratio.
 */
final class AttentionCells implements CellRunner {

    private final SweepSpec spec;

    AttentionCells(SweepSpec spec) {
        this.spec = spec;
    }

    @Override
    public Support support(SweepCell cell) {
        try {
            AttentionShape shape = cell.shape().attentionShape();
            Support s = AttentionMethods.create(cell.point().spec()).supports(shape, Device.CPU);
            return s.supported() ? s : Support.no(cell.point().spec() + " on " + cell.shape() + ": " + s.reason());
        } catch (IllegalArgumentException e) {
            return Support.no(e.getMessage());
        }
    }

    @Override
    public double expectedDensity(SweepCell cell) {
        return PolicyDensity.density(AttentionMethods.create(cell.point().spec()), cell.shape().attentionShape());
    }

    @Override
    public double predictedSeconds(SweepCell cell, CostModel cost) {
        return cost.attentionSeconds(cell.shape().attentionShape(), expectedDensity(cell), spec.repeats());
    }

    @Override
    public void run(SweepCell cell, Map<String, ObjectNode> finished, ObjectNode line) {
        OperatorShape s = cell.shape();
        line.put("shape", s.toString());
        line.put("seed", cell.seed());
        AttentionKernel kernel = AttentionMethods.create(cell.point().spec());
        try (Inputs in = Inputs.of(s, cell.seed())) {
            AttentionShape shape = new AttentionShape(in.q.batch(), s.heads(), s.headDim(), s.attentionShape().layout());
            ProbeLog log = new ProbeLog();
            try (Tensor out = in.q.zerosLike();
                 AttentionSession probed = new ProbedKernel(kernel, ProbeSampler.every(1), log).prepare(shape, Device.CPU)) {
                probed.forward(in.q, in.k, in.v, AttentionContext.standalone(), out);
            }
            if (!log.records().isEmpty()) {
                ProbeRecord r = log.records().getFirst();
                Lines.num(line, "rel_l2", r.relL2());
                Lines.num(line, "cosine", r.cosine());
                Lines.num(line, "mask_mass", r.maskMass());
                Lines.num(line, "min_mask_mass", r.minMaskMass());
            } else {
                line.put("rel_l2", 0.0);
                line.put("cosine", 1.0);
                line.put("mask_mass", 1.0);
                line.put("min_mask_mass", 1.0);
            }
            time(kernel, shape, in, line);
        }
    }

    /** Warm-up, then interleaved dense/method rounds; medians in milliseconds. */
    private void time(AttentionKernel kernel, AttentionShape shape, Inputs in, ObjectNode line) {
        try (Tensor out = in.q.zerosLike(); AttentionSession dense = new DenseKernel().prepare(shape, Device.CPU)) {
            long p0 = System.nanoTime();
            AttentionSession method = kernel.prepare(shape, Device.CPU);
            line.put("prepare_ms", (System.nanoTime() - p0) / 1e6);
            try (method) {
                AttentionContext ctx = AttentionContext.standalone();
                dense.forward(in.q, in.k, in.v, ctx, out);
                method.forward(in.q, in.k, in.v, ctx, out);
                long[] d = new long[spec.repeats()], m = new long[spec.repeats()];
                for (int r = 0; r < spec.repeats(); r++) {
                    long t0 = System.nanoTime();
                    dense.forward(in.q, in.k, in.v, ctx, out);
                    long t1 = System.nanoTime();
                    method.forward(in.q, in.k, in.v, ctx, out);
                    d[r] = t1 - t0;
                    m[r] = System.nanoTime() - t1;
                }
                double denseMs = median(d) / 1e6, methodMs = median(m) / 1e6;
                line.put("dense_ms", denseMs);
                line.put("method_ms", methodMs);
                Lines.num(line, "speedup", denseMs / methodMs);
                Lines.num(line, "executed_density", method.executedDensity());
            }
        }
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    @Override
    public void close() {
    }

    /** Seeded or captured q, k, v of a shape. */
    private record Inputs(Tensor q, Tensor k, Tensor v) implements AutoCloseable {
        static Inputs of(OperatorShape s, long seed) {
            int n = s.attentionShape().seqLen();
            if (!s.captured()) {
                return new Inputs(Tensor.randomNormal(seed, s.std(), 1, s.heads(), n, s.headDim()),
                        Tensor.randomNormal(seed + 1, s.std(), 1, s.heads(), n, s.headDim()),
                        Tensor.randomNormal(seed + 2, s.std(), 1, s.heads(), n, s.headDim()));
            }
            Tensor q = load(s.q(), "q", s), k = load(s.k(), "k", s), v = load(s.v(), "v", s);
            if (!q.sameShape(k) || !q.sameShape(v)) {
                throw new IllegalArgumentException("captured q, k, v differ in shape: " + q.shapeString() + ", "
                        + k.shapeString() + ", " + v.shapeString());
            }
            return new Inputs(q, k, v);
        }

        private static Tensor load(Path file, String name, OperatorShape s) {
            Tensor t;
            try {
                t = Npy.read(file).toTensor(name + " " + file);
            } catch (IOException e) {
                throw new UncheckedIOException(new IOException(name + " " + file + ": " + e.getMessage(), e));
            }
            int n = s.attentionShape().seqLen();
            if (t.heads() != s.heads() || t.seqLen() != n || t.headDim() != s.headDim()) {
                String got = t.shapeString();
                t.close();
                throw new IllegalArgumentException(name + " " + file + " has shape " + got + "; shape " + s + " needs heads "
                        + s.heads() + ", seqLen " + n + ", head_dim " + s.headDim());
            }
            return t;
        }

        @Override
        public void close() {
            q.close();
            k.close();
            v.close();
        }
    }
}
