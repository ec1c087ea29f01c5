package io.tilewise.wan.text;

import java.nio.file.Path;

/**
 * Keeps DJL (the Hugging Face tokenizers' Java binding) offline and out of the user's home: {@code ai.djl.offline}
 * stops any download (the natives come from the tokenizers jar), and the native library is unpacked under
 * {@code <tilewise.home>/.cache/djl} (next to JavaCPP's cache) or, without a Tilewise home, under the temporary folder
 * — never in {@code ~/.djl.ai}; JNA's native (DJL's platform probe) goes to {@code <cache>/jna}, not
 * {@code ~/.cache/JNA}. Properties already set by the user win. Must run before the first DJL class loads.
 */
final class OfflineTokenizers {

    private OfflineTokenizers() {
    }

    static synchronized void configure() {
        System.setProperty("ai.djl.offline", "true");
        String home = System.getProperty("tilewise.home");
        Path cache = home != null && !home.isBlank() ? Path.of(home, ".cache", "djl")
                : Path.of(System.getProperty("java.io.tmpdir"), "tilewise-djl-" + System.getProperty("user.name", "user"));
        if (System.getProperty("DJL_CACHE_DIR") == null && System.getenv("DJL_CACHE_DIR") == null) {
            System.setProperty("DJL_CACHE_DIR", cache.toString());
        }
        if (System.getProperty("ENGINE_CACHE_DIR") == null && System.getenv("ENGINE_CACHE_DIR") == null) {
            System.setProperty("ENGINE_CACHE_DIR", cache.toString());
        }
        // DJL detects the platform through JNA, which otherwise unpacks its own native into ~/.cache/JNA.
        if (System.getProperty("jna.tmpdir") == null) System.setProperty("jna.tmpdir", cache.resolve("jna").toString());
    }
}
