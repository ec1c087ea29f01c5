package io.tilewise.attention.perf;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads the given kernel packages child-first from a baseline class folder, everything else from the parent, so an
 * old and a new kernel run side by side in one JVM while sharing api, spec and tensor types (the A/B probes).
 */
final class KernelFirstLoader extends URLClassLoader {

    /** The packages of the dense path: its tile kernel, executor and provider. */
    static final List<String> DENSE_PACKAGES = List.of("io.tilewise.attention.cpu.", "io.tilewise.attention.blocksparse.",
            "io.tilewise.attention.dense.");

    private final List<String> packages;

    KernelFirstLoader(Path baseClasses, List<String> packages, ClassLoader parent) throws java.net.MalformedURLException {
        super(new URL[] {baseClasses.toUri().toURL()}, parent);
        this.packages = List.copyOf(packages);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        for (String pkg : packages) {
            if (name.startsWith(pkg)) {
                synchronized (getClassLoadingLock(name)) {
                    Class<?> c = findLoadedClass(name);
                    if (c == null) c = findClass(name);
                    if (resolve) resolveClass(c);
                    return c;
                }
            }
        }
        return super.loadClass(name, resolve);
    }
}
