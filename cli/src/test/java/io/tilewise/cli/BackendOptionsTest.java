package io.tilewise.cli;

import io.tilewise.pipeline.model.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --backend} and {@code --device} on a machine without TornadoVM and with the CPU-only onnxruntime jar. */
class BackendOptionsTest {

    @TempDir
    Path dir;

    @Test
    void generateOnCudaAndAutoFallsBackToTheCpuAndSaysWhyInOneLineEach() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path png = dir.resolve("image.png");
        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "1",
                "--height", "16", "--width", "16", "--steps", "1", "--device", "cuda", "--out", png.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.exists(png));
        assertTrue(run.out().lines().anyMatch(l -> l.equals("attention backend: cpu on host CPU (auto: TornadoVM not installed "
                + "(no attention-ops-tornado on the class path)); stages: cpu (cuda unavailable: Failed to find CUDA shared "
                + "provider; the onnxruntime jar on the class path is CPU-only (build with mvn -P cuda for onnxruntime_gpu))")),
                run.out());
        assertTrue(run.out().contains("copies: none (stages and attention on the host)"), run.out());
    }

    @Test
    void tornadoByNameWithoutTornadoVmIsAOneLineUserErrorAndWritesNothing() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        Path png = dir.resolve("image.png");
        CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "1",
                "--height", "16", "--width", "16", "--steps", "1", "--backend", "tornado", "--out", png.toString());
        assertEquals(2, run.exitCode());
        assertEquals("tilewise generate: --backend tornado: TornadoVM not installed (no attention-ops-tornado on the class "
                + "path); see the README's GPU section, or use --backend cpu or auto", run.err().strip());
        assertFalse(Files.exists(png));

        CliRun bench = CliRun.of("bench", "attention", "--seq-len", "32", "--heads", "1", "--head-dim", "8", "--backend", "tornado");
        assertEquals(2, bench.exitCode());
        assertTrue(bench.err().startsWith("tilewise bench attention: --backend tornado: TornadoVM not installed"), bench.err());
    }

    @Test
    void unknownBackendOrDeviceIsAnOptionError() {
        CliRun backend = CliRun.of("bench", "attention", "--seq-len", "32", "--heads", "1", "--head-dim", "8", "--backend", "gpu");
        assertEquals(2, backend.exitCode());
        assertTrue(backend.err().contains("backend 'gpu' is not one of auto, cpu, tornado"), backend.err());
        CliRun device = CliRun.of("generate", "--prompt", "x", "--device", "rocm");
        assertEquals(2, device.exitCode());
        assertTrue(device.err().contains("device 'rocm' is not one of cpu, cuda"), device.err());
        CliRun precision = CliRun.of("generate", "--prompt", "x", "--stage-precision", "fp16");
        assertEquals(2, precision.exitCode());
        assertTrue(precision.err().contains("stage precision 'fp16' is not known; expected fp32 or int8"), precision.err());
    }

    /** int8 block products: the run says so, and the clip is close to the fp32 one but not the same. */
    @Test
    void int8StagesSayWhatTheyAreAndStayCloseToFp32() throws Exception {
        Path model = TinyModels.write(dir.resolve("tiny"), TinyModels.small(1), 5);
        float[][] clips = new float[2][];
        for (String p : new String[] {"fp32", "int8"}) {
            Path npy = dir.resolve(p + ".npy");
            CliRun run = CliRun.of("generate", "--model", model.toString(), "--prompt", "a red circle", "--frames", "1",
                    "--height", "16", "--width", "16", "--steps", "2", "--stage-precision", p, "--out", npy.toString());
            assertEquals(0, run.exitCode(), run.err());
            assertEquals(p.equals("int8"), run.out().contains("stages: cpu, int8 block weight products (MatMulNBits, blocks of 128)"), run.out());
            clips[p.equals("int8") ? 1 : 0] = io.tilewise.attention.io.Npy.read(npy).data();
        }
        double num = 0, den = 0;
        for (int i = 0; i < clips[0].length; i++) {
            num += (double) (clips[1][i] - clips[0][i]) * (clips[1][i] - clips[0][i]);
            den += (double) clips[0][i] * clips[0][i];
        }
        double err = Math.sqrt(num / den);
        assertTrue(err > 0 && err < 0.05, "int8 vs fp32 clip: relative L2 " + err);
    }

    @Test
    void benchSaysWhereItRanAndRecordsTheDeviceInItsRows() throws Exception {
        Path json = dir.resolve("rows.jsonl");
        CliRun run = CliRun.of("bench", "attention", "--seq-len", "64", "--heads", "1", "--head-dim", "8", "--methods", "dense",
                "--repeats", "1", "--warmup", "0", "--backend", "cpu", "--json", json.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertEquals("attention backend: cpu on host CPU", run.out().lines().findFirst().orElseThrow());
        assertTrue(Files.readString(json).contains("\"device\":\"cpu (host CPU)\""), Files.readString(json));
    }
}
