package io.tilewise.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the library logs reaches the CLI user's stderr, once per message, in the CLI's format. */
class LibraryWarningsTest {

    private static final System.Logger PIPELINE = System.getLogger("io.tilewise.pipeline.run.Pipeline");
    private static final String FALLBACK = "NaN in the output of radial:decay=0.2 at layer 1, step 3, branch cond [head 0, token 5, dim 2]; "
            + "ran dense attention for this call (nonfinite=dense)";

    @Test
    void loggedWarningsArePrintedOnceAndInfoIsNot() {
        StringWriter err = new StringWriter();
        try (LibraryWarnings ignored = LibraryWarnings.install(new PrintWriter(err, true))) {
            PIPELINE.log(System.Logger.Level.WARNING, FALLBACK);
            PIPELINE.log(System.Logger.Level.WARNING, FALLBACK);
            LibraryWarnings.report(new PrintWriter(new StringWriter()), FALLBACK);   // also in the result: not again
            PIPELINE.log(System.Logger.Level.INFO, "an info line");
        }
        assertEquals(List.of("tilewise: warning: " + FALLBACK), err.toString().lines().toList());
        StringWriter after = new StringWriter();
        LibraryWarnings.report(new PrintWriter(after, true), "after close");
        assertEquals("tilewise: warning: after close", after.toString().strip(), "without a handler, report prints directly");
    }

    @Test
    void manyDistinctWarningsAreCountedPastTheLimit() {
        StringWriter err = new StringWriter();
        int extra = 7;
        try (LibraryWarnings ignored = LibraryWarnings.install(new PrintWriter(err, true))) {
            for (int i = 0; i < LibraryWarnings.MAX_LINES + extra; i++) PIPELINE.log(System.Logger.Level.WARNING, "call " + i);
        }
        List<String> lines = err.toString().lines().toList();
        assertEquals(LibraryWarnings.MAX_LINES + 1, lines.size(), err.toString());
        assertEquals("tilewise: warning: " + extra + " further distinct warnings not shown", lines.getLast());
        assertTrue(java.util.logging.Logger.getLogger("io.tilewise").getUseParentHandlers(), "the logger is restored");
    }
}
