package io.tilewise.wan.scheduler;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tilewise.pipeline.model.ModelFormatException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A diffusers {@code scheduler_config.json} for the two flow-matching schedulers Wan2.1 runs with:
 * {@code UniPCMultistepScheduler} (the release's default) and {@code FlowMatchEulerDiscreteScheduler}. Missing fields
 * take diffusers' defaults; settings these schedulers do not implement (Karras/exponential/beta sigmas, dynamic
 * shifting, thresholding, a terminal shift, …) are refused by name instead of being ignored.
 *
 * @param shift Euler's {@code shift}; for a UniPC config, Euler uses {@code flow_shift} (see {@link #eulerShift()})
 * @param timestepSpacing validated only: with flow sigmas diffusers overwrites the spaced timesteps with σ·N
 */
public record SchedulerConfig(String className, int numTrainTimesteps, double flowShift, double shift,
                              int solverOrder, String solverType, boolean lowerOrderFinal, List<Integer> disableCorrector,
                              String finalSigmasType, String timestepSpacing) {

    public static final String UNIPC = "UniPCMultistepScheduler";
    public static final String EULER = "FlowMatchEulerDiscreteScheduler";
    /** A scheduler config is a couple of KB; a larger file is refused before it is parsed. */
    public static final int MAX_FILE_BYTES = 1 << 20;

    public SchedulerConfig {
        disableCorrector = List.copyOf(disableCorrector);
    }

    /** The shift FlowMatchEuler runs with: its own {@code shift}, or a UniPC config's {@code flow_shift}. */
    public double eulerShift() {
        return className.equals(EULER) ? shift : flowShift;
    }

    /** Wan2.1-T2V-Diffusers' own UniPC configuration with the given flow shift (3.0 for 480p, 5.0 for 720p). */
    public static SchedulerConfig wanUniPc(double flowShift) {
        return new SchedulerConfig(UNIPC, 1000, flowShift, 1.0, 2, "bh2", true, List.of(), "zero", "linspace");
    }

    /** Reads a {@code scheduler_config.json}: a regular file of at most {@value #MAX_FILE_BYTES} bytes, UTF-8 JSON. */
    public static SchedulerConfig read(Path file) {
        // Links are followed: Hugging Face cache snapshots are symlinks to blobs.
        if (!Files.exists(file)) throw new ModelFormatException("scheduler config " + file + " does not exist");
        if (!Files.isRegularFile(file)) throw new ModelFormatException("scheduler config " + file + " is not a regular file");
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw new ModelFormatException("scheduler config " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException("scheduler config " + file + " is not valid UTF-8");
        }
        return parse(text, file.toString());
    }

    /** Parses the JSON text; {@code source} names it in error messages. */
    public static SchedulerConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(source + ": not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(source + ": must be a JSON object");
        JsonNode cls = root.get("_class_name");
        if (cls == null || !cls.isTextual()) throw new ModelFormatException(source + ": _class_name is missing");
        String className = cls.asText();
        if (!className.equals(UNIPC) && !className.equals(EULER)) {
            throw new ModelFormatException(source + ": _class_name " + className + " is not supported; expected "
                    + UNIPC + " or " + EULER);
        }
        Fields f = new Fields(root, source);
        int train = f.integer("num_train_timesteps", 1000, 1, 1_000_000);
        if (className.equals(UNIPC)) {
            f.mustBe("use_flow_sigmas", false, true, "Wan's UniPC runs on flow sigmas");
            f.mustBeText("prediction_type", "epsilon", "flow_prediction");
            f.mustBe("predict_x0", true, true, null);
            f.mustBe("thresholding", false, false, null);
            f.mustBe("use_karras_sigmas", false, false, null);
            f.mustBe("use_exponential_sigmas", false, false, null);
            f.mustBe("use_beta_sigmas", false, false, null);
            f.mustBe("use_dynamic_shifting", false, false, "it needs a per-resolution mu");
            f.mustBeNull("shift_terminal");
            f.mustBeNull("solver_p");
            f.mustBeNull("sigma_min");
            f.mustBeNull("sigma_max");
            double flowShift = f.number("flow_shift", 1.0, 1e-6, 1e6);
            int order = f.integer("solver_order", 2, 1, 3);
            String solverType = f.text("solver_type", "bh2", Set.of("bh1", "bh2", "midpoint", "heun", "logrho"));
            // diffusers maps the DPM-Solver names onto bh2 when it builds the scheduler.
            if (!solverType.equals("bh1")) solverType = "bh2";
            boolean lowerOrderFinal = f.bool("lower_order_final", true);
            List<Integer> disable = f.integers("disable_corrector");
            String finalType = f.text("final_sigmas_type", "zero", Set.of("zero", "sigma_min"));
            if (!lowerOrderFinal && order > 1 && finalType.equals("zero")) {
                // A multistep last step to σ = 0 divides by the ratio (λ_prev − λ)/∞ = 0: diffusers returns inf/NaN.
                throw new ModelFormatException(source + ": lower_order_final = false with final_sigmas_type = zero and"
                        + " solver_order " + order + " is not supported (diffusers' last step is not finite there)");
            }
            if (solverType.equals("bh1") && finalType.equals("zero")) {
                // The last step goes to σ = 0, where B(h) = h = −∞ multiplies a zero residual: diffusers returns NaN.
                throw new ModelFormatException(source + ": solver_type = bh1 with final_sigmas_type = zero is not"
                        + " supported (diffusers' last step is NaN there); use bh2 or final_sigmas_type sigma_min");
            }
            String spacing = f.text("timestep_spacing", "linspace", Set.of("linspace", "leading", "trailing"));
            return new SchedulerConfig(className, train, flowShift, 1.0, order, solverType, lowerOrderFinal, disable,
                    finalType, spacing);
        }
        f.mustBe("use_dynamic_shifting", false, false, "it needs a per-resolution mu");
        f.mustBe("invert_sigmas", false, false, null);
        f.mustBe("stochastic_sampling", false, false, null);
        f.mustBe("use_karras_sigmas", false, false, null);
        f.mustBe("use_exponential_sigmas", false, false, null);
        f.mustBe("use_beta_sigmas", false, false, null);
        f.mustBeNull("shift_terminal");
        double shift = f.number("shift", 1.0, 1e-6, 1e6);
        return new SchedulerConfig(className, train, 1.0, shift, 1, "bh2", true, List.of(), "zero", "linspace");
    }

    /** Typed, validated access to the JSON fields; every error is one line naming the file and field. */
    private record Fields(JsonNode root, String source) {
        private JsonNode present(String name) {
            JsonNode n = root.get(name);
            return n == null || n.isNull() ? null : n;
        }

        private ModelFormatException bad(String name, JsonNode value, String allowed) {
            return new ModelFormatException(source + ": " + name + " = " + value + " is not supported; allowed: " + allowed);
        }

        int integer(String name, int fallback, int min, int max) {
            JsonNode n = present(name);
            if (n == null) return fallback;
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
                throw bad(name, n, "an integer in [" + min + ", " + max + "]");
            }
            return n.asInt();
        }

        double number(String name, double fallback, double min, double max) {
            JsonNode n = present(name);
            if (n == null) return fallback;
            if (!n.isNumber() || !(n.asDouble() >= min && n.asDouble() <= max)) {
                throw bad(name, n, "a number in [" + min + ", " + max + "]");
            }
            return n.asDouble();
        }

        boolean bool(String name, boolean fallback) {
            JsonNode n = present(name);
            if (n == null) return fallback;
            if (!n.isBoolean()) throw bad(name, n, "true or false");
            return n.asBoolean();
        }

        String text(String name, String fallback, Set<String> allowed) {
            JsonNode n = present(name);
            if (n == null) return fallback;
            if (!n.isTextual() || !allowed.contains(n.asText())) throw bad(name, n, String.join(", ", allowed.stream().sorted().toList()));
            return n.asText();
        }

        List<Integer> integers(String name) {
            JsonNode n = present(name);
            if (n == null) return List.of();
            if (!n.isArray()) throw bad(name, n, "a list of step indices");
            List<Integer> out = new ArrayList<>();
            for (JsonNode v : n) {
                if (!v.isIntegralNumber() || !v.canConvertToInt()) throw bad(name, n, "a list of step indices");
                out.add(v.asInt());
            }
            return out;
        }

        /** A boolean setting we run with one value only; absent means diffusers' default for it. */
        void mustBe(String name, boolean defaultValue, boolean required, String why) {
            JsonNode n = present(name);
            if (n != null && !n.isBoolean()) throw bad(name, n, "true or false");
            boolean value = n == null ? defaultValue : n.asBoolean();
            if (value != required) {
                throw new ModelFormatException(source + ": " + name + " = " + value + (n == null ? " (diffusers' default)" : "")
                        + " is not supported; only " + required + (why == null ? "" : " (" + why + ")"));
            }
        }

        void mustBeText(String name, String defaultValue, String required) {
            JsonNode n = present(name);
            String value = n == null ? defaultValue : n.asText();
            if (n != null && !n.isTextual() || !value.equals(required)) {
                throw new ModelFormatException(source + ": " + name + " = " + (n == null ? defaultValue + " (default)" : n)
                        + " is not supported; only " + required);
            }
        }

        void mustBeNull(String name) {
            JsonNode n = present(name);
            if (n != null) throw new ModelFormatException(source + ": " + name + " = " + n + " is not supported; only null");
        }
    }
}
