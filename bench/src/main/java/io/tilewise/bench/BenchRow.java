package io.tilewise.bench;

import io.tilewise.attention.api.Device;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One measured method.
 *
 * @param method          method id ({@code dense}, {@code ort-mha}, {@code blocksparse}, …)
 * @param spec            canonical spec
 * @param layout          token layout, e.g. {@code 1x1x4096} or {@code 4x16x16+77txt(prefix)}
 * @param prepareMs       {@code prepare} (plan and buffers; ORT: session creation plus the one-time layout
 *                        conversion of q, k, v), apart from steady state
 * @param medianMs        median of the timed calls
 * @param minMs           fastest timed call
 * @param gflops          executed FLOPs / median time: dense FLOPs (4·N²·headDim·heads·batch) × executed density
 * @param executedDensity fraction of (query, key) pairs computed after tiling
 * @param speedupVsDense  our dense median / this median, from the same run
 * @param relL2VsDense    relative L2 error of this output against our dense output on the same inputs
 * @param threads         threads of our kernels (ORT: its intra-op threads)
 * @param device          where the method ran, e.g. {@code cpu (host CPU)} or {@code tornado (NVIDIA H100 …)}
 * @param phaseMs         median milliseconds per phase of a call, for sessions that report phases (PISA:
 *                        pre-pass, exact tiles, summary keys, other); else empty
 */
public record BenchRow(String method, String spec, int batch, int heads, int seqLen, int headDim, String layout,
                       double prepareMs, double medianMs, double minMs, double gflops, double executedDensity,
                       double speedupVsDense, double relL2VsDense, int repeats, int warmup, int threads, String device,
                       Map<String, Double> phaseMs) {

    public BenchRow {
        // Kept in phase order (Map.copyOf would lose it).
        phaseMs = phaseMs == null || phaseMs.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(phaseMs));
    }

    /** A row without phases. */
    public BenchRow(String method, String spec, int batch, int heads, int seqLen, int headDim, String layout,
                    double prepareMs, double medianMs, double minMs, double gflops, double executedDensity,
                    double speedupVsDense, double relL2VsDense, int repeats, int warmup, int threads, String device) {
        this(method, spec, batch, heads, seqLen, headDim, layout, prepareMs, medianMs, minMs, gflops, executedDensity,
                speedupVsDense, relL2VsDense, repeats, warmup, threads, device, Map.of());
    }

    /** Speedup over dense as a fraction of the ideal {@code 1 / executedDensity}: 1.0 = no overhead at all. */
    public double ofIdeal() {
        return speedupVsDense * executedDensity;
    }

    /**
     * Share of the phase total spent outside the method's exact tiles (phase {@code exact tiles}), or NaN when the
     * method reports no such phase.
     */
    public double outsideExactTiles() {
        Double exact = phaseMs.get("exact tiles");
        if (exact == null) return Double.NaN;
        double total = phaseMs.values().stream().mapToDouble(Double::doubleValue).sum();
        return total > 0 ? 1 - exact / total : Double.NaN;
    }

    /** A row measured on the host CPU. */
    public BenchRow(String method, String spec, int batch, int heads, int seqLen, int headDim, String layout,
                    double prepareMs, double medianMs, double minMs, double gflops, double executedDensity,
                    double speedupVsDense, double relL2VsDense, int repeats, int warmup, int threads) {
        this(method, spec, batch, heads, seqLen, headDim, layout, prepareMs, medianMs, minMs, gflops, executedDensity,
                speedupVsDense, relL2VsDense, repeats, warmup, threads, Device.CPU.toString());
    }
}
