package io.tilewise.attention.backend;

import io.tilewise.attention.api.Device;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Chooses where attention runs ({@link Backend}): {@code cpu} always works; {@code tornado} needs the
 * {@code attention-ops-tornado} module on the class path (built with {@code mvn -P tornado} where TornadoVM is
 * installed) and a device its runtime can see; {@code auto} takes TornadoVM when both hold, else the CPU, and says
 * why. The same pattern as Jlama's operations provider and jvector's vectorization provider: try the fastest,
 * report every refusal.
 */
public final class BackendSelector {

    /** Reason given when no backend module is on the class path. */
    public static final String NOT_INSTALLED = "TornadoVM not installed (no attention-ops-tornado on the class path)";

    private BackendSelector() {
    }

    /** Selects among the backends found by {@link ServiceLoader}. */
    public static BackendChoice select(Backend requested) {
        return select(requested, discovered());
    }

    /**
     * Selects among {@code found} (tests pass their own).
     *
     * @throws IllegalArgumentException when {@code tornado} was asked for and cannot run: one line saying why and
     *                                  what to do
     */
    public static BackendChoice select(Backend requested, List<AttentionBackend> found) {
        if (requested == null) requested = Backend.AUTO;
        if (requested == Backend.CPU) return BackendChoice.cpu();
        AttentionBackend tornado = found.stream().filter(b -> b.name().equals(Backend.TORNADO.id())).findFirst().orElse(null);
        String refusal;
        if (tornado == null) {
            refusal = NOT_INSTALLED;
        } else {
            AttentionBackend.Availability availability = tornado.probe();
            if (availability.available()) {
                return new BackendChoice(requested, tornado, availability.device(),
                        "TornadoVM device " + availability.device().name());
            }
            refusal = "TornadoVM unavailable: " + availability.reason();
        }
        if (requested == Backend.TORNADO) {
            throw new IllegalArgumentException("--backend tornado: " + refusal
                    + "; see the README's GPU section, or use --backend cpu or auto");
        }
        return new BackendChoice(Backend.AUTO, null, Device.CPU, refusal);
    }

    /** Backends on the class path; a provider that fails to load is skipped (auto must still reach the CPU). */
    public static List<AttentionBackend> discovered() {
        List<AttentionBackend> found = new ArrayList<>();
        var iterator = ServiceLoader.load(AttentionBackend.class).iterator();
        // A provider that fails is reported and skipped; the bound stops a loader that keeps failing on one entry.
        for (int failures = 0; failures < 8; ) {
            try {
                if (!iterator.hasNext()) break;
                found.add(iterator.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                failures++;
                System.getLogger(BackendSelector.class.getName()).log(System.Logger.Level.WARNING,
                        "attention backend provider failed to load: " + e);
            }
        }
        return found;
    }
}
