package io.tilewise.bench;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.memory.MemoryEstimate;
import io.tilewise.bench.ort.OrtMhaKernel;

import java.util.Collection;

/**
 * What an attention benchmark holds, from the shape and the methods alone, checked before q/k/v are allocated:
 * q, k, v ({@code 3·T} with {@code T = batch·heads·seqLen·headDim} floats), one output per method, and per method
 * either ORT's converted inputs and output ({@code 4·T}, no plan) or our kernel's workspace (permuted q/k/v/output,
 * {@code 4·T}, for any method but dense) and a block-sparse plan of at most one 8-byte entry per (head, 32-query
 * tile, 128-key tile), one plan for all heads for dense.
 */
public final class BenchMemory {

    private BenchMemory() {
    }

    public static MemoryEstimate estimate(AttentionShape shape, Collection<AttentionKernel> kernels) {
        long t = MemoryEstimate.product(shape.batch(), shape.heads(), shape.seqLen(), shape.headDim());
        long n = shape.seqLen();
        MemoryEstimate.Builder e = MemoryEstimate.builder("benchmark of " + kernels.size() + " methods on " + shape);
        e.floats("q, k, v", 3, t);
        for (AttentionKernel kernel : kernels) {
            e.floats("outputs", t);
            if (kernel instanceof OrtMhaKernel) {
                e.floats("ORT inputs and output", 4, t);
                continue;
            }
            if (!kernel.id().equals("dense")) e.floats("method workspace", 4, t);
            long planHeads = kernel.id().equals("dense") ? 1 : shape.heads();
            e.add("plans", MemoryEstimate.product(shape.batch(), planHeads, (n + 31) / 32, (n + 127) / 128, 8));
        }
        return e.build();
    }
}
