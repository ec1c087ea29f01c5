package io.tilewise.pipeline.testkit;

import io.tilewise.pipeline.family.ModelFolders;
import io.tilewise.pipeline.family.ModelCard;
import io.tilewise.pipeline.run.Pipeline;
import io.tilewise.pipeline.sweep.Sweep;
import io.tilewise.pipeline.sweep.SweepRunner;
import io.tilewise.pipeline.sweep.SweepSpec;
import io.tilewise.pipeline.sweep.SweepSpecReader;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A sweep in a JVM of its own, for the kill-and-resume test: {@code SweepChild SPEC OUT MODEL [--resume]}. Runs a
 * generation sweep with one ORT thread.
 */
public final class SweepChild {

    private SweepChild() {
    }

    public static void main(String[] args) throws Exception {
        Path spec = Path.of(args[0]), out = Path.of(args[1]), model = Path.of(args[2]);
        boolean resume = args.length > 3 && args[3].equals("--resume");
        run(spec, out, model, resume);
    }

    public static SweepRunner.Outcome run(Path specFile, Path out, Path model, boolean resume) throws Exception {
        SweepSpec spec = SweepSpecReader.read(specFile);
        ModelCard config = ModelFolders.card(model);
        try (Sweep sweep = Sweep.generation(spec, config, o -> Pipeline.open(model, o), new Pipeline.Options(1, null), out)) {
            return SweepRunner.run(sweep, Files.readString(specFile), out, resume, new SweepRunner.Listener() { });
        }
    }
}
