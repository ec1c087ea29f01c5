package io.tilewise.attention.testkit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A short, seeded mutation run over a seed corpus: the deterministic part of the fuzzing that runs with every
 * {@code mvn test} (Jazzer's coverage-guided runs are on demand, see {@code scripts/fuzz}). Mutations are the ones
 * that break parsers: bit flips, interesting integers (0, −1, 2^31−1, 2^32, 2^63−1 …) written over 2, 4 and 8 bytes
 * in both byte orders, interesting numbers spliced into text, truncation, duplication and splicing of two seeds.
 */
public final class Mutations {

    private static final long[] INTERESTING = {0, 1, -1, 2, 7, 8, 16, 64, 127, 128, 255, 256, 4096, 65535, 65536,
            Integer.MAX_VALUE, Integer.MIN_VALUE, 0xffffffffL, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE,
            Long.MAX_VALUE / 4 + 1};
    private static final String[] TOKENS = {"-1", "0", "1e309", "-0", "NaN", "Infinity", "2147483648", "4294967296",
            "9223372036854775808", "1.5", "[", "]", "{", "}", "\"", ",", ":", "=", ";", "@", "..", "x", "(", ")",
            "99999999999999999999", "\u0000", "\uffff", "'", "\\", "null", "true", "[[[[[[[[[[[[[[[[", "1..0"};

    private Mutations() {
    }

    /**
     * Feeds {@code count} mutants of {@code seeds} (seeded by {@code seed}) to {@code target}; a failure is rethrown
     * as an {@link AssertionError} that carries the input in hex so that it can be added to the corpus.
     */
    public static void run(List<byte[]> seeds, long seed, int count, Consumer<byte[]> target) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            byte[] input = mutate(seeds, random);
            try {
                target.accept(input);
            } catch (Throwable t) {
                throw new AssertionError("mutant " + i + " (seed " + seed + ") failed: " + t + "\ninput (hex): "
                        + HexFormat.of().formatHex(input), t);
            }
        }
    }

    static byte[] mutate(List<byte[]> seeds, SplittableRandom random) {
        byte[] data = seeds.get(random.nextInt(seeds.size())).clone();
        int rounds = 1 + random.nextInt(4);
        for (int r = 0; r < rounds; r++) data = once(data, seeds, random);
        return data;
    }

    private static byte[] once(byte[] data, List<byte[]> seeds, SplittableRandom random) {
        int n = data.length;
        switch (random.nextInt(8)) {
            case 0 -> {
                if (n > 0) data[random.nextInt(n)] ^= (byte) (1 << random.nextInt(8));
            }
            case 1 -> {
                int width = new int[] {1, 2, 4, 8}[random.nextInt(4)];
                if (n >= width) {
                    ByteBuffer b = ByteBuffer.wrap(data).order(random.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
                    int at = random.nextInt(n - width + 1);
                    long v = INTERESTING[random.nextInt(INTERESTING.length)];
                    switch (width) {
                        case 1 -> b.put(at, (byte) v);
                        case 2 -> b.putShort(at, (short) v);
                        case 4 -> b.putInt(at, (int) v);
                        default -> b.putLong(at, v);
                    }
                }
            }
            case 2 -> {
                // a token in place of a run of digits or at a random place (text formats)
                String text = new String(data, StandardCharsets.ISO_8859_1);
                String token = TOKENS[random.nextInt(TOKENS.length)];
                int at = n == 0 ? 0 : random.nextInt(n + 1);
                int end = at;
                while (end < n && Character.isDigit(text.charAt(end))) end++;
                data = (text.substring(0, at) + token + text.substring(end)).getBytes(StandardCharsets.ISO_8859_1);
            }
            case 3 -> {
                if (n > 0) data = java.util.Arrays.copyOf(data, random.nextInt(n));
            }
            case 4 -> {
                if (n > 0) {
                    int from = random.nextInt(n);
                    int len = 1 + random.nextInt(Math.min(64, n - from));
                    data = insert(data, random.nextInt(n + 1), java.util.Arrays.copyOfRange(data, from, from + len));
                }
            }
            case 5 -> {
                if (n > 1) {
                    int from = random.nextInt(n);
                    int len = 1 + random.nextInt(Math.min(64, n - from));
                    byte[] out = new byte[n - len];
                    System.arraycopy(data, 0, out, 0, from);
                    System.arraycopy(data, from + len, out, from, n - from - len);
                    data = out;
                }
            }
            case 6 -> {
                byte[] other = seeds.get(random.nextInt(seeds.size()));
                int cut = n == 0 ? 0 : random.nextInt(n + 1);
                int otherCut = other.length == 0 ? 0 : random.nextInt(other.length + 1);
                byte[] out = java.util.Arrays.copyOf(data, cut + other.length - otherCut);
                System.arraycopy(other, otherCut, out, cut, other.length - otherCut);
                data = out;
            }
            default -> {
                if (n > 0) data[random.nextInt(n)] = (byte) new int[] {0, 0xff, 0x7f, 0x80, '0', '9', '"', ' '}[random.nextInt(8)];
            }
        }
        return data;
    }

    private static byte[] insert(byte[] data, int at, byte[] piece) {
        byte[] out = new byte[data.length + piece.length];
        System.arraycopy(data, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(data, at, out, at + piece.length, data.length - at);
        return out;
    }

    /** Every file of a test-classpath folder (a Jazzer inputs folder), as seeds. */
    public static List<byte[]> resources(Class<?> owner, String folder) {
        List<byte[]> seeds = new ArrayList<>();
        java.net.URL url = owner.getResource(folder);
        if (url == null) throw new IllegalStateException("no resource folder " + folder + " next to " + owner.getName());
        try (var files = java.nio.file.Files.walk(java.nio.file.Path.of(url.toURI()))) {
            for (java.nio.file.Path p : files.filter(java.nio.file.Files::isRegularFile).sorted().toList()) {
                seeds.add(java.nio.file.Files.readAllBytes(p));
            }
        } catch (java.io.IOException | java.net.URISyntaxException e) {
            throw new IllegalStateException("cannot read " + folder + ": " + e.getMessage(), e);
        }
        if (seeds.isEmpty()) throw new IllegalStateException("resource folder " + folder + " is empty");
        return seeds;
    }
}
