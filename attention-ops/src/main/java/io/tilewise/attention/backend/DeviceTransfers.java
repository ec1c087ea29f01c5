package io.tilewise.attention.backend;

/**
 * Implemented by sessions that run on a device: the host↔device traffic of their forwards so far, so callers can
 * report what crossed the bus (the pipeline puts it in its timings). Counters only grow.
 */
public interface DeviceTransfers {

    /** Bytes copied host → device by all forwards so far (inputs, and plans when they change per call). */
    long hostToDeviceBytes();

    /** Bytes copied device → host by all forwards so far (outputs). */
    long deviceToHostBytes();

    /** Nanoseconds the device spent on those copies as its runtime reports them; 0 when it does not report them. */
    default long transferNanos() {
        return 0;
    }
}
