package io.tilewise.pipeline.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

/**
 * Which ONNX Runtime execution provider the stage sessions got, and why: {@code requested} is what the run asked
 * for, {@code used} what it runs on; when they differ, {@code reason} is the one line saying why (e.g. a CPU-only
 * onnxruntime jar, or CUDA/cuDNN missing).
 */
public record StageProvider(StageDevice requested, StageDevice used, String reason) {

    /** Hint appended when the jar on the class path has no CUDA provider at all. */
    static final String CPU_ONLY_JAR = "the onnxruntime jar on the class path is CPU-only (build with mvn -P cuda for onnxruntime_gpu)";
    /** Hint appended when the GPU jar is there but its CUDA provider could not start (driver, CUDA or cuDNN libraries). */
    static final String CUDA_LIBRARIES = "onnxruntime_gpu is on the class path but could not load CUDA (needs an NVIDIA "
            + "driver, CUDA 12 and cuDNN 9 libraries on LD_LIBRARY_PATH)";

    public static StageProvider cpu() {
        return new StageProvider(StageDevice.CPU, StageDevice.CPU, "requested");
    }

    public boolean fellBack() {
        return requested != used;
    }

    /** One line for users: {@code stages: cuda} or {@code stages: cpu (cuda unavailable: …)}. */
    public String describe() {
        return "stages: " + used.id() + (fellBack() ? " (" + requested.id() + " unavailable: " + reason + ")" : "");
    }

    /**
     * Adds the provider for {@code requested} to {@code options}. CUDA that cannot be added (CPU-only jar, missing
     * CUDA or cuDNN libraries) leaves the options on the CPU provider and says why.
     */
    static StageProvider configure(OrtSession.SessionOptions options, StageDevice requested) {
        if (requested == StageDevice.CPU) return cpu();
        try {
            options.addCUDA(0);
            return new StageProvider(requested, StageDevice.CUDA, "requested");
        } catch (OrtException | LinkageError e) {
            return fallback(e);
        }
    }

    /** The CPU fallback after CUDA failed with {@code cause} (at provider setup or at session creation). */
    static StageProvider fallback(Throwable cause) {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        message = message.replaceFirst("^Error code - \\w+ - message: ", "").strip().replaceAll("\\s*\\R\\s*", "; ");
        boolean cpuOnlyJar;
        try {
            cpuOnlyJar = !OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        } catch (RuntimeException | LinkageError e) {
            cpuOnlyJar = false;
        }
        return new StageProvider(StageDevice.CUDA, StageDevice.CPU, message + "; " + (cpuOnlyJar ? CPU_ONLY_JAR : CUDA_LIBRARIES));
    }
}
