package io.tilewise.cli;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.backend.Backend;
import io.tilewise.pipeline.onnx.StageDevice;
import io.tilewise.pipeline.onnx.StagePrecision;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

import java.util.function.Function;

/** Option value converters; the library's message becomes picocli's one-line "Invalid value" error. */
final class Converters {

    private Converters() {
    }

    static TokenGrid grid(String text) {
        return parsed(text, TokenGrid::parse);
    }

    static io.tilewise.attention.memory.MemoryLimit memoryLimit(String text) {
        return parsed(text, t -> io.tilewise.attention.memory.MemoryLimit.of(t, "--memory-limit"));
    }

    static TextPlacement placement(String text) {
        return parsed(text, TextPlacement::parse);
    }

    /** {@code parse(text)}, its IllegalArgumentException turned into picocli's one-line conversion error. */
    private static <T> T parsed(String text, Function<String, T> parse) {
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** {@code --backend auto|cpu|tornado}. */
    static final class BackendConverter implements CommandLine.ITypeConverter<Backend> {
        @Override
        public Backend convert(String text) {
            return parsed(text, Backend::parse);
        }
    }

    /** {@code --device cpu|cuda}. */
    static final class StageDeviceConverter implements CommandLine.ITypeConverter<StageDevice> {
        @Override
        public StageDevice convert(String text) {
            return parsed(text, StageDevice::parse);
        }
    }

    /** {@code --stage-precision fp32|int8}. */
    static final class StagePrecisionConverter implements CommandLine.ITypeConverter<StagePrecision> {
        @Override
        public StagePrecision convert(String text) {
            return parsed(text, StagePrecision::parse);
        }
    }
}
