package io.tilewise.bench.inspect;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.api.Device;
import io.tilewise.attention.api.Support;
import io.tilewise.attention.api.TilePlan;
import io.tilewise.attention.blocksparse.BlockSparsePlan;
import io.tilewise.attention.cost.CostEstimate;
import io.tilewise.attention.cost.PlanImage;
import io.tilewise.attention.io.AtomicFiles;
import io.tilewise.attention.spec.AttentionMethods;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a method spec does to a layout before anything runs: the plan's densities, tiles, FLOPs and ideal
 * speedup (the cost model), and a drawing of one head's tile map. Behind {@code tilewise inspect}.
 */
public record Inspection(String spec, AttentionShape shape, BlockSparsePlan plan, CostEstimate cost, double planMs) {

    /**
     * Builds the kernel's tile plan for the shape ({@link AttentionKernel#tilePlan}; representative for methods whose
     * plan depends on the inputs); methods without one (e.g. ort-mha) are refused with a message.
     */
    public static Inspection of(String methodSpec, AttentionShape shape) {
        AttentionKernel kernel = AttentionMethods.create(methodSpec);
        Support support = kernel.supports(shape, Device.CPU);
        if (!support.supported()) throw new IllegalArgumentException(support.reason());
        long start = System.nanoTime();
        BlockSparsePlan plan = kernel.tilePlan(shape).map(TilePlan::plan)
                .orElseThrow(() -> new IllegalArgumentException("method " + kernel.id() + " has no tile plan to inspect"));
        double planMs = (System.nanoTime() - start) / 1e6;
        return new Inspection(kernel.spec(), shape, plan, CostEstimate.of(shape, plan), planMs);
    }

    /** A few lines for a terminal. */
    public String summary() {
        return String.format(Locale.ROOT, """
                        method            %s
                        layout            %s, heads %d, headDim %d, seqLen %d
                        tiles             %d x %d of %dx%d tokens, %d exact (%d token-masked), %d approximated, plan %s
                        token density     %.4f  (pairs the method attends)
                        executed density  %.4f  (pairs computed after tiling)
                        FLOPs             %.3g  (dense %.3g)
                        ideal speedup     %.2fx over dense
                        plan build        %.1f ms""",
                spec, shape.layout(), shape.heads(), shape.headDim(), shape.seqLen(), plan.qTiles(), plan.kTiles(),
                plan.qTile(), plan.kTile(), plan.exactEntries(), plan.maskedEntries(), approximatedEntries(),
                bytes(plan.sizeBytes()), cost.tokenDensity(), cost.executedDensity(), cost.flops(), cost.denseFlops(),
                cost.idealSpeedup(), planMs);
    }

    public Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", spec);
        m.put("layout", shape.layout().toString());
        m.put("seqLen", shape.seqLen());
        m.put("heads", shape.heads());
        m.put("headDim", shape.headDim());
        m.put("queryTile", plan.qTile());
        m.put("keyTile", plan.kTile());
        m.put("exactTiles", plan.exactEntries());
        m.put("maskedTiles", plan.maskedEntries());
        m.put("approximatedTiles", approximatedEntries());
        m.put("tokenDensity", cost.tokenDensity());
        m.put("executedDensity", cost.executedDensity());
        m.put("flops", cost.flops());
        m.put("denseFlops", cost.denseFlops());
        m.put("idealSpeedup", cost.idealSpeedup());
        m.put("planBytes", plan.sizeBytes());
        m.put("planMs", planMs);
        return m;
    }

    /** Writes {@link #fields()} as one JSON object, atomically. */
    public void writeJson(Path file) throws IOException {
        String json = new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(fields()) + "\n";
        AtomicFiles.writeString(file, json);
    }

    /** Draws head {@code head}'s tile map as a PNG. */
    public void writePng(Path file, int head) throws IOException {
        if (head < 0 || head >= shape.heads()) {
            throw new IllegalArgumentException("--head " + head + " is not in 0.." + (shape.heads() - 1));
        }
        PlanImage.writePng(PlanImage.render(plan, shape.layout(), Math.min(head, plan.planHeads() - 1)), file);
    }

    private int approximatedEntries() {
        int rows = plan.planHeads() * plan.qTiles();
        return plan.approxStart(rows);
    }

    private static String bytes(long n) {
        return n < 1 << 20 ? String.format(Locale.ROOT, "%.1f KiB", n / 1024.0) : String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }
}
