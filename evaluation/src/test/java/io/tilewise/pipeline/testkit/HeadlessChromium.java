package io.tilewise.pipeline.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's {@code chromium} headless on a local file: the DOM after scripts ran, or a screenshot. The network is
 * cut ({@code --host-resolver-rules}), so a page that needs anything from outside fails to load it. Each run gets its
 * own profile directory.
 */
public final class HeadlessChromium {

    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");

    private final Path binary;
    private final Path work;

    private HeadlessChromium(Path binary, Path work) {
        this.binary = binary;
        this.work = work;
    }

    /** The first Chromium on PATH, or empty. */
    public static Optional<HeadlessChromium> find(Path work) {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String name : NAMES) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                Path candidate = Path.of(dir, name);
                if (Files.isExecutable(candidate)) return Optional.of(new HeadlessChromium(candidate, work));
            }
        }
        return Optional.empty();
    }

    /** The serialized DOM once the page has loaded and {@code budgetMillis} of (virtual) time have passed. */
    public String dumpDom(Path html, int budgetMillis) throws IOException, InterruptedException {
        Path out = work.resolve("dom-" + System.nanoTime() + ".html");
        run(out, List.of("--virtual-time-budget=" + budgetMillis, "--dump-dom", html.toUri().toString()));
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** Writes a PNG screenshot of the page at the given window size. */
    public void screenshot(Path html, Path png, int width, int height, int budgetMillis) throws IOException, InterruptedException {
        Path log = work.resolve("screenshot-" + System.nanoTime() + ".log");
        run(log, List.of("--virtual-time-budget=" + budgetMillis, "--screenshot=" + png.toAbsolutePath(),
                "--window-size=" + width + "," + height, "--hide-scrollbars", html.toUri().toString()));
    }

    private void run(Path stdout, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--headless", "--disable-gpu", "--no-sandbox",
                "--no-first-run", "--mute-audio", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--user-data-dir=" + Files.createTempDirectory(work, "profile")));
        command.addAll(args);
        Path err = Files.createTempFile(work, "chromium", ".err");
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("chromium did not finish in 120 s: " + command);
        }
        if (p.exitValue() != 0) {
            throw new IOException("chromium exited " + p.exitValue() + ": " + Files.readString(err));
        }
    }
}
