package io.tilewise.pipeline.report;

import io.tilewise.pipeline.quality.ClipReading;

import java.util.List;
import java.util.Map;

/**
 * Everything a comparison measured: the request, the model, the dense reference run and what its clip shows, one
 * outcome per method, and where it ran (JDK, cores, OS, time).
 */
public record ComparisonResult(CompareRequest request, String modelId, PolicyRun dense, ClipReading denseReading,
                               Boolean denseAdheres, List<MethodOutcome> methods, Map<String, String> environment) {

    public ComparisonResult {
        methods = List.copyOf(methods);
        environment = Map.copyOf(environment);
    }
}
