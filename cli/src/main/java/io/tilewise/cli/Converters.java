package io.tilewise.cli;

import io.tilewise.attention.api.TextPlacement;
import io.tilewise.attention.api.TokenGrid;
import io.tilewise.attention.backend.Backend;
import io.tilewise.pipeline.onnx.StageDevice;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

/** Option value converters; the library's message becomes picocli's one-line "Invalid value" error. */
final class Converters {

    private Converters() {
    }

    static TokenGrid grid(String text) {
        try {
            return TokenGrid.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static io.tilewise.attention.memory.MemoryLimit memoryLimit(String text) {
        try {
            return io.tilewise.attention.memory.MemoryLimit.of(text, "--memory-limit");
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static TextPlacement placement(String text) {
        try {
            return TextPlacement.parse(text);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** {@code --backend auto|cpu|tornado}. */
    static final class BackendConverter implements CommandLine.ITypeConverter<Backend> {
        @Override
        public Backend convert(String text) {
            try {
                return Backend.parse(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** {@code --device cpu|cuda}. */
    static final class StagePrecisionConverter implements CommandLine.ITypeConverter<io.tilewise.pipeline.onnx.StagePrecision> {
        @Override
        public io.tilewise.pipeline.onnx.StagePrecision convert(String text) {
            try {
                return io.tilewise.pipeline.onnx.StagePrecision.parse(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class StageDeviceConverter implements CommandLine.ITypeConverter<StageDevice> {
        @Override
        public StageDevice convert(String text) {
            try {
                return StageDevice.parse(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
