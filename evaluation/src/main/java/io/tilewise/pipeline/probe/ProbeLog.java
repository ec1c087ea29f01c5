package io.tilewise.pipeline.probe;

import java.util.ArrayList;
import java.util.List;

/** Collects the records of probed calls (thread-safe; a generation runs on one thread, readers may be others). */
public final class ProbeLog {

    private final List<ProbeRecord> records = new ArrayList<>();

    public synchronized void add(ProbeRecord record) {
        records.add(record);
    }

    /** A copy of the records so far, in call order. */
    public synchronized List<ProbeRecord> records() {
        return List.copyOf(records);
    }

    public synchronized void clear() {
        records.clear();
    }
}
