package io.tilewise.pipeline.report;

import io.tilewise.pipeline.testkit.HeadlessChromium;
import io.tilewise.pipeline.testkit.TinyComparison;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A comparison's {@code report.html} in a real browser (headless Chromium, network cut): every plot decodes, every
 * side-by-side video has its first frame, nothing failed to load, and the screenshot shows a page rather than a blank.
 * Skipped where no Chromium is installed ({@code .ci/run} installs Debian's {@code chromium}).
 */
class ReportInChromiumTest {

    private static final Pattern BODY = Pattern.compile("<body([^>]*)>");

    @TempDir
    Path dir;

    @Test
    void reportLoadsEveryPlotAndVideoOffline() throws Exception {
        var chromium = HeadlessChromium.find(dir);
        Assumptions.assumeTrue(chromium.isPresent(), "no chromium on PATH (apt-get install chromium); .ci/run installs it");
        ComparisonResult result = TinyComparison.run(dir.resolve("model"));
        Path report = dir.resolve("report");
        ComparisonReport.write(result, report);
        Path html = report.resolve("report.html");

        String dom = chromium.get().dumpDom(html, 15000);
        Matcher body = BODY.matcher(dom);
        assertTrue(body.find(), "no body in the DOM dump");
        String attributes = body.group(1);
        assertTrue(attributes.contains("data-media=\"ok\""), "media check: " + attributes);
        assertTrue(attributes.contains("data-videos=\"3\""), attributes);
        assertTrue(attributes.contains("data-images=\"8\""), attributes);

        Path png = dir.resolve("screenshot.png");
        chromium.get().screenshot(html, png, 1280, 2400, 5000);
        BufferedImage shot = ImageIO.read(png.toFile());
        assertEquals(1280, shot.getWidth());
        assertTrue(distinctColors(shot) > 200, "the screenshot looks blank: " + distinctColors(shot) + " colors");
        String keep = System.getProperty("tilewise.test.keep");
        if (keep != null) {
            Files.createDirectories(Path.of(keep));
            Files.copy(png, Path.of(keep, "report-screenshot.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(html, Path.of(keep, "report.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static int distinctColors(BufferedImage image) {
        Set<Integer> colors = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) colors.add(image.getRGB(x, y));
        }
        return colors.size();
    }
}
