package io.tilewise.attention.api;

/** Where a session runs. The CPU is always available; GPU backends add their own devices. */
public record Device(String backend, String name) {

    public static final Device CPU = new Device("cpu", "host CPU");

    @Override
    public String toString() {
        return backend + " (" + name + ")";
    }
}
