package io.tilewise.pipeline.quality;

import io.tilewise.pipeline.run.GenerationRequest;
import io.tilewise.pipeline.run.GenerationResult;
import io.tilewise.pipeline.run.Pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Prompt adherence of a model under an attention policy: generate every scene of a prompt set (seed = scene
 * index) and read each clip back; a clip adheres when its color and its direction are right (shape is reported
 * but not required: it is the hardest attribute to see at 16 px per object).
 */
public final class Adherence {

    /** One scene's outcome. */
    public record Row(PromptSet.Scene scene, ClipReading reading, double seconds) {
        public boolean colorRight() {
            return scene.color().equals(reading.color());
        }

        public boolean directionRight() {
            return scene.direction().equals(reading.direction());
        }

        public boolean shapeRight() {
            return scene.shape().equals(reading.shape());
        }

        public boolean adheres() {
            return colorRight() && directionRight();
        }
    }

    /** All rows and the fractions over them. */
    public record Report(String policy, List<Row> rows) {
        public double adherence() {
            return rows.stream().filter(Row::adheres).count() / (double) rows.size();
        }

        public double colorAccuracy() {
            return rows.stream().filter(Row::colorRight).count() / (double) rows.size();
        }

        public double directionAccuracy() {
            return rows.stream().filter(Row::directionRight).count() / (double) rows.size();
        }

        public double shapeAccuracy() {
            return rows.stream().filter(Row::shapeRight).count() / (double) rows.size();
        }
    }

    private Adherence() {
    }

    /**
     * @param template sizes, steps and guidance of every generation (its prompt and seed are replaced)
     * @param progress told after each scene
     */
    public static Report measure(Pipeline pipeline, List<PromptSet.Scene> scenes, GenerationRequest template, String policy,
                                 Consumer<Row> progress) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < scenes.size(); i++) {
            PromptSet.Scene scene = scenes.get(i);
            GenerationRequest request = template.withPrompt(scene.prompt()).withSeed(i).withPolicy(policy);
            GenerationResult result = pipeline.generate(request);
            Row row = new Row(scene, ClipAnalyzer.read(result.video()), result.timings().total() / 1e9);
            rows.add(row);
            progress.accept(row);
        }
        return new Report(policy, rows);
    }
}
