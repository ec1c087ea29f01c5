package io.tilewise.attention.spec;

import io.tilewise.attention.api.AttentionKernel;
import io.tilewise.attention.api.VectorApi;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The registry: method id → provider, filled from {@link ServiceLoader}. */
public final class AttentionMethods {

    private static volatile Map<String, AttentionMethodProvider> providers;

    private AttentionMethods() {
    }

    /** Parses and builds a kernel; an unknown method lists the known ones. */
    public static AttentionKernel create(String spec) {
        return create(MethodSpec.parse(spec));
    }

    public static AttentionKernel create(MethodSpec spec) {
        VectorApi.require();   // every kernel is built here: fail with one line, not NoClassDefFoundError, without the module
        AttentionMethodProvider provider = providers().get(spec.name());
        if (provider == null) {
            throw new SpecException("unknown attention method '" + spec.name() + "'; known: " + String.join(", ", ids()));
        }
        return provider.create(spec);
    }

    public static List<String> ids() {
        return List.copyOf(providers().keySet());
    }

    public static Map<String, AttentionMethodProvider> all() {
        return Collections.unmodifiableMap(providers());
    }

    private static Map<String, AttentionMethodProvider> providers() {
        Map<String, AttentionMethodProvider> p = providers;
        if (p == null) {
            synchronized (AttentionMethods.class) {
                p = providers;
                if (p == null) {
                    p = new TreeMap<>();
                    for (AttentionMethodProvider provider : ServiceLoader.load(AttentionMethodProvider.class)) {
                        AttentionMethodProvider previous = p.put(provider.id(), provider);
                        if (previous != null) {
                            throw new IllegalStateException("two providers for method '" + provider.id() + "': "
                                    + previous.getClass().getName() + " and " + provider.getClass().getName());
                        }
                    }
                    providers = p;
                }
            }
        }
        return p;
    }
}
