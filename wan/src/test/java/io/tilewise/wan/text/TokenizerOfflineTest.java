package io.tilewise.wan.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tokenizer loads with no network and nothing in the home folder: a fresh JVM with an empty home, an empty DJL
 * Tilewise home and every HTTP(S) proxy pointed at a closed local port (any download would fail) tokenizes the golden
 * prompt, and the natives land in the cache folder given to it.
 */
class TokenizerOfflineTest {

    @TempDir
    Path tmp;

    @Test
    void loadsInAFreshJvmWithoutNetworkOrHome() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home"));
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "--enable-native-access=ALL-UNNAMED", "-Duser.home=" + home, "-Dtilewise.home=" + tmp.resolve("tilewise"),
                "-Dhttp.proxyHost=127.0.0.1", "-Dhttp.proxyPort=9", "-Dhttps.proxyHost=127.0.0.1", "-Dhttps.proxyPort=9",
                "-cp", System.getProperty("java.class.path"), TokenizerOfflineMain.class.getName(),
                PromptTokenizerTest.TOKENIZER.toString(), "a blue cat on the grass");
        Path log = tmp.resolve("child.log");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String out = Files.readString(log);
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("[3, 8, 17, 40, 5, 53, 1, 0]"), out);
        try (var files = Files.walk(tmp.resolve("tilewise").resolve(".cache").resolve("djl"))) {
            assertTrue(files.anyMatch(p -> p.getFileName().toString().startsWith("libtokenizers")), "natives unpacked under tilewise.home");
        }
        try (var inHome = Files.walk(home)) {
            assertEquals(List.of(home), inHome.toList(), "nothing written to the home folder");
        }
    }
}
