package io.tilewise.attention.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a run will hold in memory, by named part, computed from sizes alone before anything is allocated. Parts
 * are upper-bound estimates in bytes (see the estimators: {@code GenerationMemory} in the pipeline,
 * {@code BenchMemory} in the benchmark). Immutable; build with {@link #builder}.
 *
 * @param what  what the estimate is for, e.g. "generation of 16 frames of 64x64 px"
 * @param parts bytes per part, in insertion order
 */
public record MemoryEstimate(String what, Map<String, Long> parts) {

    public MemoryEstimate {
        parts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parts));
    }

    public static Builder builder(String what) {
        return new Builder(what);
    }

    /** Sum of every part (saturates at {@code Long.MAX_VALUE}). */
    public long totalBytes() {
        long total = 0;
        for (long b : parts.values()) total = saturatedAdd(total, b);
        return total;
    }

    /** The largest parts first, e.g. {@code ORT buffers 3.9 GiB, activations 1.2 GiB, video 96 MiB}. */
    public String largestParts(int count) {
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(parts.entrySet());
        sorted.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < Math.min(count, sorted.size()); i++) {
            shown.add(sorted.get(i).getKey() + " " + format(sorted.get(i).getValue()));
        }
        return String.join(", ", shown);
    }

    /** Bytes as {@code 512 B}, {@code 3.2 KiB}, {@code 1.5 GiB} (binary units). */
    public static String format(long bytes) {
        if (bytes == Long.MAX_VALUE) return "more than 8 EiB";
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[u]);
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** {@code a·b·…} in bytes, saturating instead of wrapping (sizes come from untrusted files). */
    public static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            if (f < 0) throw new IllegalArgumentException("negative size " + f);
            if (f == 0) return 0;
            if (p > Long.MAX_VALUE / f) return Long.MAX_VALUE;
            p *= f;
        }
        return p;
    }

    /** Collects parts; a part added twice is summed. */
    public static final class Builder {
        private final String what;
        private final Map<String, Long> parts = new LinkedHashMap<>();

        private Builder(String what) {
            this.what = what;
        }

        /** Adds {@code bytes} to part {@code name}. */
        public Builder add(String name, long bytes) {
            if (bytes < 0) throw new IllegalArgumentException("part " + name + " has negative size " + bytes);
            parts.merge(name, bytes, MemoryEstimate::saturatedAdd);
            return this;
        }

        /** Adds {@code count} floats to part {@code name}. */
        public Builder floats(String name, long... shape) {
            long values = product(shape);
            return add(name, values == Long.MAX_VALUE ? values : product(values, Float.BYTES));
        }

        public MemoryEstimate build() {
            return new MemoryEstimate(what, parts);
        }
    }
}
