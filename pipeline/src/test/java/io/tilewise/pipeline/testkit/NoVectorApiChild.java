package io.tilewise.pipeline.testkit;

import io.tilewise.attention.spec.AttentionMethods;
import io.tilewise.pipeline.run.Pipeline;

import java.nio.file.Path;

/**
 * Run in a child JVM started without {@code --add-modules jdk.incubator.vector}: calls one library entry point
 * ({@code pipeline MODEL_DIR} or {@code attention SPEC}) and prints what it threw as {@code class: message}.
 */
public final class NoVectorApiChild {

    private NoVectorApiChild() {
    }

    public static void main(String[] args) {
        try {
            if (args[0].equals("pipeline")) {
                Pipeline.open(Path.of(args[1])).close();
            } else {
                AttentionMethods.create(args[1]);
            }
            System.out.println("no error");
        } catch (Throwable t) {
            System.out.println(t.getClass().getName() + ": " + t.getMessage());
        }
    }
}
