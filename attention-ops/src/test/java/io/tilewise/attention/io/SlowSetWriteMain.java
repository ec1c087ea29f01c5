package io.tilewise.attention.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Child process of {@link AtomicSetsTest}: writes a set of {@code args[1]} files {@code args[0]_NNNN.png} through
 * {@link AtomicFiles#writeAll}, stops after three quarters of them, prints {@code WRITING <folder>} and waits to be
 * killed (as a PNG sequence killed mid-write).
 */
public final class SlowSetWriteMain {

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[1]);
        List<Path> targets = new ArrayList<>();
        for (int i = 0; i < count; i++) targets.add(Path.of(String.format("%s_%04d.png", args[0], i)));
        AtomicFiles.writeAll(targets, folder -> {
            for (int i = 0; i < count * 3 / 4; i++) Files.write(folder.resolve(targets.get(i).getFileName().toString()), new byte[100]);
            System.out.println("WRITING " + folder.getFileName());
            System.out.flush();
            try {
                Thread.sleep(600_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }
}
