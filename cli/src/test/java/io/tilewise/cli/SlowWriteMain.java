package io.tilewise.cli;

import io.tilewise.attention.io.AtomicFiles;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Child process of {@link KilledRunsTest}: starts writing {@code args[0]} through {@link AtomicFiles} (as every
 * output writer does), writes half a file, prints {@code WRITING <temporary file>} and then waits to be killed.
 */
public final class SlowWriteMain {

    public static void main(String[] args) throws Exception {
        AtomicFiles.write(Path.of(args[0]), tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(new byte[4096]);
                out.flush();
                System.out.println("WRITING " + tmp.getFileName());
                System.out.flush();
                Thread.sleep(600_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
