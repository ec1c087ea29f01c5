package io.tilewise.attention.memory;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How much memory one run (a generation, a benchmark) may plan to use; runs check their {@link MemoryEstimate}
 * against it before they allocate, and are refused with one line naming both sizes.
 *
 * <h2>Default</h2>
 * {@code 80%} of the JVM's max heap ({@code -Xmx}) plus an off-heap budget, capped at {@code 90%} of the machine's
 * physical memory. The off-heap budget is {@code -Dtilewise.memory.offheap=SIZE} if set, else the JVM's direct
 * memory limit ({@code -XX:MaxDirectMemorySize}, which defaults to the max heap): our tensors, ORT's buffers and
 * its arena live outside the heap. {@code -Dtilewise.memory.limit=SIZE} replaces the whole default; the CLI's
 * {@code --memory-limit SIZE} and {@link #of} replace it per run. Sizes: {@code 4g}, {@code 512m}, {@code 1.5g},
 * {@code 4GiB}, or plain bytes (binary units).
 *
 * @param bytes  the limit
 * @param source where it came from, for the message (e.g. "--memory-limit", "default: 80% of max heap 4.0 GiB + ...")
 */
public record MemoryLimit(long bytes, String source) {

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?");

    public MemoryLimit {
        if (bytes < 1) throw new IllegalArgumentException("memory limit " + bytes + " must be >= 1 byte");
    }

    /** An explicit limit, e.g. from {@code --memory-limit 4g}; {@code source} names the option. */
    public static MemoryLimit of(String size, String source) {
        return new MemoryLimit(parseSize(size, source), source);
    }

    /** {@code -Dtilewise.memory.limit} if set, else the default described above. */
    public static MemoryLimit defaults() {
        String configured = System.getProperty("tilewise.memory.limit");
        if (configured != null && !configured.isBlank()) return of(configured, "-Dtilewise.memory.limit");
        long heap = Runtime.getRuntime().maxMemory();
        String offHeapSetting = System.getProperty("tilewise.memory.offheap");
        long offHeap = offHeapSetting != null && !offHeapSetting.isBlank()
                ? parseSize(offHeapSetting, "-Dtilewise.memory.offheap") : directMemoryLimit(heap);
        long limit = MemoryEstimate.saturatedAdd(heap / 5 * 4, offHeap);
        long physical = physicalMemory();
        String source = "default: 80% of max heap " + MemoryEstimate.format(heap) + " + off-heap budget "
                + MemoryEstimate.format(offHeap);
        if (physical > 0 && limit > physical / 10 * 9) {
            limit = physical / 10 * 9;
            source = "default: 90% of physical memory " + MemoryEstimate.format(physical);
        }
        return new MemoryLimit(limit, source);
    }

    /** Throws {@link MemoryLimitException} when {@code estimate} is over this limit. */
    public void check(MemoryEstimate estimate) {
        long total = estimate.totalBytes();
        if (total > bytes) {
            throw new MemoryLimitException(estimate.what() + " needs an estimated " + MemoryEstimate.format(total) + " ("
                    + estimate.largestParts(3) + "), over the memory limit of " + MemoryEstimate.format(bytes) + " ("
                    + source + "); make it smaller or raise the limit with --memory-limit", estimate, bytes);
        }
    }

    /**
     * Bytes of a size text: {@code 4g}, {@code 512m}, {@code 1.5g}, {@code 4GiB}, {@code 100k}, {@code 12345}.
     *
     * @param what names the setting in the error message
     */
    public static long parseSize(String text, String what) {
        Matcher m = text == null ? null : SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(what + " '" + text + "' is not a size; expected e.g. 4g, 512m, 1.5g or a number of bytes");
        }
        int shift = switch (m.group(2)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        double value = Double.parseDouble(m.group(1)) * Math.pow(2, shift);
        if (!(value >= 1) || value >= 0x1p62) {
            throw new IllegalArgumentException(what + " '" + text + "' must be at least 1 byte and below 4 EiB");
        }
        return (long) value;
    }

    /** {@code -XX:MaxDirectMemorySize}, or the max heap when it is unset (the JVM's own default). */
    private static long directMemoryLimit(long heap) {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            long v = Long.parseLong(bean.getVMOption("MaxDirectMemorySize").getValue());
            return v > 0 ? v : heap;
        } catch (RuntimeException | LinkageError e) {
            return heap;
        }
    }

    private static long physicalMemory() {
        try {
            var os = ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : -1;
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return MemoryEstimate.format(bytes) + " (" + source + ")";
    }
}
