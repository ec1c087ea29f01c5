package io.tilewise.attention.tornado;

import io.tilewise.attention.api.Device;
import io.tilewise.attention.backend.AttentionBackend;
import io.tilewise.attention.backend.Backend;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/**
 * Finds the TornadoVM device attention runs on: the runtime's default device, or the one named by
 * {@code -Dtilewise.tornado.device=BACKEND:DEVICE} (indices as {@code tornado --devices} lists them). Touches
 * TornadoVM classes, so callers keep it behind a {@link LinkageError} guard.
 */
final class TornadoDevices {

    static final String DEVICE_PROPERTY = "tilewise.tornado.device";

    private TornadoDevices() {
    }

    static TornadoDevice selected() {
        String wanted = System.getProperty(DEVICE_PROPERTY);
        if (wanted == null || wanted.isBlank()) return TornadoExecutionPlan.getDevice(0, 0);
        String[] parts = wanted.strip().split(":");
        try {
            if (parts.length != 2) throw new NumberFormatException();
            return TornadoExecutionPlan.getDevice(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + DEVICE_PROPERTY + "=" + wanted + " is not BACKEND:DEVICE, e.g. 0:0");
        }
    }

    /** The selected device, or why there is none. */
    static AttentionBackend.Availability probe() {
        TornadoDevice device = selected();
        if (device == null) return AttentionBackend.Availability.none("the TornadoVM runtime lists no device");
        return AttentionBackend.Availability.of(new Device(Backend.TORNADO, describe(device)));
    }

    /** The physical device, backend, platform and TornadoVM id, e.g. {@code … (OPENCL, Portable Computing Language, opencl-0-0)}. */
    static String describe(TornadoDevice device) {
        String physical;
        try {
            physical = device.getPhysicalDevice().getDeviceName().strip();
        } catch (RuntimeException e) {
            physical = device.getDeviceName();
        }
        String platform = device.getPlatformName() == null ? "" : ", " + device.getPlatformName().strip();
        return physical + " (" + device.getTornadoVMBackend() + platform + ", " + device.getDeviceName() + ")";
    }
}
