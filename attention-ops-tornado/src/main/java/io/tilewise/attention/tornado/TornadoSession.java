package io.tilewise.attention.tornado;

import io.tilewise.attention.api.AbstractAttentionSession;
import io.tilewise.attention.api.AttentionShape;
import io.tilewise.attention.backend.DeviceTransfers;

import java.util.ArrayList;
import java.util.List;

/**
 * Base of the device sessions: owns their task graphs (closing the session frees the device memory) and adds up
 * their host↔device traffic.
 */
abstract class TornadoSession extends AbstractAttentionSession implements DeviceTransfers {

    private final List<AttentionGraph> graphs = new ArrayList<>();
    private long retiredHostToDevice;
    private long retiredDeviceToHost;
    private long retiredNanos;

    TornadoSession(AttentionShape shape) {
        super(shape);
    }

    /** Registers a graph this session owns. */
    final AttentionGraph own(AttentionGraph graph) {
        graphs.add(graph);
        return graph;
    }

    /** Closes a graph that is replaced, keeping its traffic in the totals. */
    final void retire(AttentionGraph graph) {
        if (graph == null || !graphs.remove(graph)) return;
        retiredHostToDevice += graph.hostToDeviceBytes();
        retiredDeviceToHost += graph.deviceToHostBytes();
        retiredNanos += graph.transferNanos();
        graph.close();
    }

    @Override
    public final long hostToDeviceBytes() {
        return retiredHostToDevice + graphs.stream().mapToLong(AttentionGraph::hostToDeviceBytes).sum();
    }

    @Override
    public final long deviceToHostBytes() {
        return retiredDeviceToHost + graphs.stream().mapToLong(AttentionGraph::deviceToHostBytes).sum();
    }

    @Override
    public final long transferNanos() {
        return retiredNanos + graphs.stream().mapToLong(AttentionGraph::transferNanos).sum();
    }

    @Override
    protected void release() {
        for (AttentionGraph g : List.copyOf(graphs)) retire(g);
    }
}
