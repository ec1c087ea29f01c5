package io.tilewise.pipeline.stepcache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tilewise.pipeline.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A MagCache plan: the mean absolute residual of the whole block stack ({@code mean|h_out − h_in|}) per denoising
 * step and CFG branch, measured once on one prompt with nothing skipped ({@code tilewise calibrate magcache}). The
 * cache reads the ratio of successive magnitudes; a plan serves runs with its own step count.
 *
 * @param magnitudes {@code [branch][step]}, one or two branches
 */
public record MagCachePlan(String modelId, String prompt, long seed, double[][] magnitudes) {

    private static final String FORMAT = "tilewise-magcache-1";

    public MagCachePlan {
        if (magnitudes.length < 1 || magnitudes.length > 2) throw new IllegalArgumentException("a magcache plan has 1 or 2 branches");
        for (double[] m : magnitudes) {
            if (m.length < 2) throw new IllegalArgumentException("a magcache plan needs at least 2 steps");
            for (double v : m) if (!(v > 0) || !Double.isFinite(v)) throw new IllegalArgumentException("magcache magnitude " + v + " must be finite and > 0");
        }
    }

    /** The spec that calibrates: every step computed, magnitudes recorded ({@link StepCacheStats#magnitudes()}). */
    public static final String CALIBRATION_SPEC = "fbcache:threshold=0,warmup=0";

    /**
     * The plan of a generation run with {@link #CALIBRATION_SPEC} (full clip; dense attention is the natural choice).
     *
     * @throws IllegalArgumentException when the run skipped steps or recorded no magnitudes
     */
    public static MagCachePlan fromRun(String modelId, String prompt, long seed, StepCacheStats stats) {
        if (stats.magnitudes().length == 0 || stats.skippedTotal() > 0) {
            throw new IllegalArgumentException("a magcache plan needs a run with " + CALIBRATION_SPEC + " (every step computed); got "
                    + stats.spec());
        }
        return new MagCachePlan(modelId, prompt, seed, stats.magnitudes());
    }

    public int steps() {
        return magnitudes[0].length;
    }

    /**
     * Ratio {@code m[s] / m[s − 1]} per step for {@code branch} (index 0 is 1; a one-branch plan serves both).
     *
     * @throws IllegalArgumentException when the run has another step count than the calibration
     */
    public double[] ratios(int branch, int steps) {
        if (steps != steps()) {
            throw new IllegalArgumentException("magcache plan was calibrated for " + steps() + " steps, the run has " + steps
                    + "; calibrate with --steps " + steps);
        }
        double[] m = magnitudes[Math.min(branch, magnitudes.length - 1)];
        double[] out = new double[m.length];
        out[0] = 1;
        for (int s = 1; s < m.length; s++) out[s] = m[s] / m[s - 1];
        return out;
    }

    public void write(Path file) {
        ObjectNode root = new ObjectMapper().createObjectNode();
        root.put("format", FORMAT);
        root.put("model", modelId);
        root.put("prompt", prompt);
        root.put("seed", seed);
        root.put("steps", steps());
        ArrayNode branches = root.putArray("magnitudes");
        for (double[] m : magnitudes) {
            ArrayNode a = branches.addArray();
            for (double v : m) a.add(v);
        }
        AtomicFiles.write(file, tmp -> Files.writeString(tmp, root.toPrettyString() + "\n"));
    }

    /** Reads a plan; one-line errors name the file and what is wrong. */
    public static MagCachePlan read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("magcache plan " + file + " cannot be read: " + e.getMessage());
        }
        if (root == null || !FORMAT.equals(root.path("format").asText())) {
            throw new IllegalArgumentException("magcache plan " + file + " is not a " + FORMAT + " file (write one with tilewise calibrate magcache)");
        }
        JsonNode b = root.path("magnitudes");
        if (!b.isArray() || b.isEmpty()) throw new IllegalArgumentException("magcache plan " + file + ": magnitudes missing");
        double[][] m = new double[b.size()][];
        for (int i = 0; i < b.size(); i++) {
            JsonNode row = b.get(i);
            m[i] = new double[row.size()];
            for (int s = 0; s < row.size(); s++) m[i][s] = row.get(s).asDouble(Double.NaN);
        }
        try {
            return new MagCachePlan(root.path("model").asText(""), root.path("prompt").asText(""), root.path("seed").asLong(), m);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("magcache plan " + file + ": " + e.getMessage());
        }
    }
}
