package io.tilewise.attention.tornado;

/**
 * The backend's run-time switches, read here and nowhere else, when asked (never at class load):
 * {@code -Dtilewise.tornado.kernels=tiled|loop} picks the kernel family (default {@code tiled}, the
 * {@code KernelContext} kernels with local memory; {@code loop} the loop-parallel ones), and
 * {@code -Dtilewise.tornado.device=BACKEND:DEVICE} the device ({@link TornadoDevices}).
 */
final class TornadoOptions {

    static final String KERNELS_PROPERTY = "tilewise.tornado.kernels";

    private TornadoOptions() {
    }

    static AttentionGraph.Variant variant() {
        String value = System.getProperty(KERNELS_PROPERTY, "tiled").strip();
        return switch (value) {
            case "tiled" -> AttentionGraph.Variant.TILED;
            case "loop" -> AttentionGraph.Variant.LOOP;
            default -> throw new IllegalArgumentException("-D" + KERNELS_PROPERTY + "=" + value + " is not tiled or loop");
        };
    }
}
