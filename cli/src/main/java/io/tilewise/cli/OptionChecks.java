package io.tilewise.cli;

/** Checks of option values shared by several commands, made before any work starts. */
final class OptionChecks {

    private OptionChecks() {
    }

    /**
     * {@code --threads}: absent means every core (returned as 0, the library's default); otherwise 1 up to this
     * machine's processors. More threads than processors only slow the run down, and 100,000 made ONNX Runtime
     * abort the process (and disturbed every other run on the machine).
     */
    static int threads(Integer threads) {
        if (threads == null) return 0;
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads < 1 || threads > cores) {
            throw new IllegalArgumentException("--threads " + threads + " must be in 1.." + cores
                    + " (this machine's processors); leave it out to use every core");
        }
        return threads;
    }

    /** A prompt must have some non-blank text (an empty one silently generated from nothing). */
    static String prompt(String prompt) {
        if (prompt.isBlank()) throw new IllegalArgumentException("--prompt is empty; give the text to generate, e.g. \"a red circle moving right\"");
        return prompt;
    }

    /** An attention policy must be given, not empty (dense is the default when the option is left out). */
    static String policy(String option, String policy) {
        if (policy.isBlank()) {
            throw new IllegalArgumentException(option + " is empty; give a policy such as dense or radial:decay=0.2, or leave the option out for dense");
        }
        return policy;
    }

    /** Frames per second of a GIF or MP4: (0, 240], as the writers accept. */
    static double fps(double fps) {
        if (!(fps > 0) || fps > 240) throw new IllegalArgumentException("--fps " + fps + " must be in (0, 240]");
        return fps;
    }
}
