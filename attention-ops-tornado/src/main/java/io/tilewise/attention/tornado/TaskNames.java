package io.tilewise.attention.tornado;

/**
 * Task names, shared by graph construction and the grid scheduler (which looks tasks up as
 * {@code graph.task}); one place, so the two never drift apart.
 */
final class TaskNames {

    static final String GATHER_Q = "gatherQ";
    static final String GATHER_K = "gatherK";
    static final String GATHER_V = "gatherV";
    static final String ATTEND = "attend";
    static final String SCATTER_OUT = "scatterOut";
    static final String SCATTER_LSE = "scatterLse";
    static final String MERGE = "merge";

    private TaskNames() {
    }

    static String qualified(String graph, String task) {
        return graph + "." + task;
    }
}
