package io.tilewise.attention.api;

/**
 * The check the library's entry points make before any kernel class loads. Our CPU kernels use the incubating Vector
 * API, which a class-path application only gets with {@code --add-modules jdk.incubator.vector}; without it the JVM
 * fails later, deep inside a kernel, with {@code NoClassDefFoundError: jdk/incubator/vector/Vector}. This turns that
 * into one line that says what to add.
 */
public final class VectorApi {

    /** The JVM option an application embedding Tilewise must pass. */
    public static final String JVM_FLAG = "--add-modules jdk.incubator.vector";

    private static final String MODULE = "jdk.incubator.vector";

    private VectorApi() {
    }

    /** Whether the Vector API module is in the boot layer (the JVM was started with it). */
    public static boolean available() {
        return ModuleLayer.boot().findModule(MODULE).isPresent();
    }

    /** @throws IllegalStateException when the JVM was started without the Vector API module */
    public static void require() {
        if (!available()) {
            throw new IllegalStateException("Tilewise needs the JDK's Vector API module: start the JVM with " + JVM_FLAG
                    + " (Maven Surefire/exec: add it to the JVM arguments; see the README, \"Use Tilewise as a library\")");
        }
    }
}
