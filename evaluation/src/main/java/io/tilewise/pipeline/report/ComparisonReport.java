package io.tilewise.pipeline.report;

import io.tilewise.pipeline.io.AtomicFiles;
import io.tilewise.pipeline.io.WebmWriter;
import io.tilewise.pipeline.run.Video;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a comparison's report directory: {@code pareto.png}, {@code psnr-per-frame.png}, per method a side-by-side
 * WebM and its error maps, then {@code report.json}, {@code report.md} and the self-contained {@code report.html}.
 * Every file is written whole or not at all (temporary file + rename); the three reports come last.
 */
public final class ComparisonReport {

    /** Side-by-side frame rate and amplification of the difference panel. */
    static final double FPS = 8, DIFFERENCE_GAIN = 4;
    /** The side-by-side panels are scaled up to at least this height. */
    static final int MIN_PANEL_HEIGHT = 192;

    private ComparisonReport() {
    }

    /** Writes the report into {@code dir} (created if missing); returns the files written. */
    public static List<Path> write(ComparisonResult result, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        List<Path> written = new ArrayList<>();
        byte[] pareto = ComparisonCharts.pareto(result);
        byte[] psnr = ComparisonCharts.psnrPerFrame(result);
        written.add(bytes(dir.resolve("pareto.png"), pareto));
        written.add(bytes(dir.resolve("psnr-per-frame.png"), psnr));
        List<Map<String, String>> files = new ArrayList<>();
        List<ComparisonHtml.Media> media = new ArrayList<>();
        for (int i = 0; i < result.methods().size(); i++) {
            MethodOutcome m = result.methods().get(i);
            String stem = String.format(Locale.ROOT, "method-%d-%s", i + 1, ComparisonCharts.methodName(m.run().policy())
                    .replaceAll("[^A-Za-z0-9_+-]", "_"));
            Map<String, String> names = new LinkedHashMap<>();
            Path video = dir.resolve(stem + ".webm");
            WebmWriter.write(sideBySide(result.dense().video(), m.run().video()), video, FPS, 12);
            written.add(video);
            names.put("side-by-side video (dense | method | difference x4)", video.getFileName().toString());
            byte[] error = ComparisonCharts.errorMap(m);
            byte[] mass = ComparisonCharts.massMap(m);
            if (error != null) {
                written.add(bytes(dir.resolve(stem + "-error.png"), error));
                names.put("attention error per layer and step", stem + "-error.png");
            }
            if (mass != null) {
                written.add(bytes(dir.resolve(stem + "-mass.png"), mass));
                names.put("softmax mass outside the mask per layer and step", stem + "-mass.png");
            }
            files.add(names);
            media.add(new ComparisonHtml.Media(read(video), error, mass));
        }
        written.add(text(dir.resolve("report.json"), ComparisonJson.of(result, files).toPrettyString() + "\n"));
        written.add(text(dir.resolve("report.md"), ComparisonMarkdown.of(result, files)));
        written.add(text(dir.resolve("report.html"), ComparisonHtml.of(result, pareto, psnr, media)));
        return written;
    }

    /** dense | method | difference, scaled by an even factor so the VP9 frame has even sides. */
    static Video sideBySide(Video dense, Video method) {
        int scale = Math.max(2, (MIN_PANEL_HEIGHT + dense.height() - 1) / dense.height());
        if (scale % 2 != 0) scale++;
        return SideBySide.compose(dense, method, DIFFERENCE_GAIN, scale);
    }

    static Path bytes(Path file, byte[] data) {
        AtomicFiles.write(file, tmp -> Files.write(tmp, data));
        return file;
    }

    static Path text(Path file, String text) {
        AtomicFiles.write(file, tmp -> Files.writeString(tmp, text, StandardCharsets.UTF_8));
        return file;
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
