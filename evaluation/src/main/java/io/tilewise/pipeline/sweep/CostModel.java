package io.tilewise.pipeline.sweep;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.pipeline.family.ModelCard;

import java.util.Collection;

/**
 * Predicted seconds of sweep cells, from FLOPs and two throughputs: self-attention (dense FLOPs
 * {@code 4·N²·headDim·heads} per call, scaled by executed density) and the ONNX Runtime stages (the model card's
 * {@link ModelCard#blockFlopsPerToken} per token and block: QKV, output, cross-attention projections, FFN). The
 * throughputs are assumed until a finished dense generation cell calibrates them.
 *
 * @param attentionGflops attention throughput, GFLOP/s
 * @param stageGflops     stage throughput, GFLOP/s
 * @param calibrated      whether the rates come from a measured cell
 */
public record CostModel(double attentionGflops, double stageGflops, boolean calibrated) {

    /** Assumed rates (2 cores of a current x86 CPU: our attention kernel ~120, ORT's small matmuls ~50). */
    public static CostModel assumed() {
        return new CostModel(120, 50, false);
    }

    /** Calibrated on the first finished dense generation cell among {@code lines}, else {@link #assumed()}. */
    public static CostModel from(Collection<ObjectNode> lines, ModelCard config) {
        for (ObjectNode l : lines) {
            if (!"generation".equals(l.path("level").asText()) || !"dense".equals(l.path("policy").asText())) continue;
            if (!l.path("attention_seconds").isNumber() || !l.path("stage_seconds").isNumber()) continue;
            VideoSize size = VideoSize.parse(l.path("size").asText());
            int steps = l.path("steps").asInt();
            boolean cfg = l.path("guidance").asDouble() != 1.0;
            double att = attentionFlops(config, size, steps, cfg, 1.0);
            double stage = stageFlops(config, size, steps, cfg);
            double a = l.path("attention_seconds").asDouble(), s = l.path("stage_seconds").asDouble();
            if (a > 0 && s > 0) return new CostModel(att / a / 1e9, stage / s / 1e9, true);
        }
        return assumed();
    }

    /** Seconds of one generation cell: a 1-step warm-up and the timed run (and a probed run when asked). */
    public double generationSeconds(ModelCard config, VideoSize size, int steps, boolean cfg, double density, boolean probed) {
        double att = attentionFlops(config, size, steps, cfg, density) / (attentionGflops * 1e9);
        double stage = stageFlops(config, size, steps, cfg) / (stageGflops * 1e9);
        double run = att + stage;
        double probe = probed ? run + attentionFlops(config, size, steps, cfg, 1.0) / (attentionGflops * 1e9) / 2 : 0;
        return run * (steps + 1.0) / steps + probe;
    }

    /** Seconds of one operator cell: warm-up, {@code repeats} interleaved dense/method rounds, one probe. */
    public double attentionSeconds(AttentionShape shape, double density, int repeats) {
        double dense = 4.0 * shape.seqLen() * (double) shape.seqLen() * shape.headDim() * shape.heads() * shape.batch()
                / (attentionGflops * 1e9);
        return (repeats + 2) * dense * (1 + density);
    }

    static double attentionFlops(ModelCard c, VideoSize size, int steps, boolean cfg, double density) {
        double n = tokens(c, size);
        return 4.0 * n * n * c.headDim() * c.heads() * c.blocks() * steps * (cfg ? 2 : 1) * density;
    }

    static double stageFlops(ModelCard c, VideoSize size, int steps, boolean cfg) {
        return c.blockFlopsPerToken() * tokens(c, size) * c.blocks() * steps * (cfg ? 2 : 1);
    }

    private static double tokens(ModelCard c, VideoSize s) {
        return c.geometry().tokens(s.frames(), s.height(), s.width());
    }
}
