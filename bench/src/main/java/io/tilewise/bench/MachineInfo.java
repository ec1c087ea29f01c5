package io.tilewise.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Where numbers were measured: commit of the checkout the running code was built in (else of the working
 * directory; null outside git), JDK, architecture, cores and CPU model (null where {@code /proc/cpuinfo} has none).
 */
public record MachineInfo(String commit, String jdk, String osArch, int processors, String cpuModel) {

    public static MachineInfo detect() {
        return new MachineInfo(gitCommit(), Runtime.version().toString(), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), readCpuModel());
    }

    private static String gitCommit() {
        String commit = gitCommit(codeDirectory());
        return commit != null ? commit : gitCommit(Path.of("").toAbsolutePath());
    }

    /** The directory holding this class's jar or classes (e.g. cli/target/lib of a checkout). */
    private static Path codeDirectory() {
        try {
            Path code = Path.of(MachineInfo.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return Files.isDirectory(code) ? code : code.getParent();
        } catch (Exception e) {
            return null;
        }
    }

    private static String gitCommit(Path dir) {
        if (dir == null) return null;
        try {
            Process p = new ProcessBuilder("git", "-C", dir.toString(), "rev-parse", "HEAD").redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String readCpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    return colon < 0 ? null : line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or not readable: the model stays unknown.
        }
        return null;
    }
}
