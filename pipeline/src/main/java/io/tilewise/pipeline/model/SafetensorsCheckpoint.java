package io.tilewise.pipeline.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of one checkpoint, stored in a single safetensors file or in shards listed by a
 * {@link SafetensorsIndex}; every shard stays memory-mapped and tensors are widened to fp32 one at a time.
 *
 * <p>A sharded checkpoint is checked whole when opened: every shard the index names exists and opens, every tensor
 * the index maps to a shard is in that shard, and no shard holds a tensor the index does not map to it (a stale or
 * mixed-up shard). Errors name the index or shard file and the tensor.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {

    private final String source;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsCheckpoint(String source, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.source = source;
        this.files = files;
        this.byTensor = byTensor;
    }

    /**
     * Opens the checkpoint {@code baseName} in {@code dir}: {@code baseName.safetensors.index.json} with its shards
     * when it exists (as diffusers prefers it), else {@code baseName.safetensors}.
     *
     * @throws ModelFormatException when neither exists or the checkpoint is malformed
     */
    public static SafetensorsCheckpoint open(Path dir, String baseName) {
        Path index = dir.resolve(baseName + ".safetensors.index.json");
        Path single = dir.resolve(baseName + ".safetensors");
        if (Files.isRegularFile(index)) return openIndex(index);
        if (Files.isRegularFile(single)) return openFile(single);
        throw new ModelFormatException(dir + ": neither " + single.getFileName() + " nor " + index.getFileName()
                + " exists");
    }

    /** One safetensors file. */
    public static SafetensorsCheckpoint openFile(Path file) {
        SafetensorsFile st = SafetensorsFile.open(file);
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        for (String name : st.tensors().keySet()) byTensor.put(name, st);
        return new SafetensorsCheckpoint(file.getFileName().toString(), List.of(st), Collections.unmodifiableMap(byTensor));
    }

    /** The shards listed by the index file {@code indexFile}, which lie in its folder. */
    public static SafetensorsCheckpoint openIndex(Path indexFile) {
        SafetensorsIndex index = SafetensorsIndex.read(indexFile);
        String indexName = indexFile.getFileName().toString();
        Path dir = indexFile.toAbsolutePath().getParent();
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
            for (String shard : index.shards()) {
                Path file = dir.resolve(shard);
                if (!Files.isRegularFile(file)) {
                    String example = index.weightMap().entrySet().stream().filter(e -> e.getValue().equals(shard))
                            .findFirst().orElseThrow().getKey();
                    throw new ModelFormatException(indexName + ": shard " + shard + " (holding " + example
                            + ") does not exist in " + dir);
                }
                SafetensorsFile st = SafetensorsFile.open(file);
                opened.add(st);
                shards.put(shard, st);
            }
            Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : index.weightMap().entrySet()) {
                SafetensorsFile st = shards.get(e.getValue());
                if (!st.tensors().containsKey(e.getKey())) {
                    throw new ModelFormatException(indexName + ": tensor " + e.getKey() + " is mapped to shard "
                            + e.getValue() + ", which does not hold it");
                }
                byTensor.put(e.getKey(), st);
            }
            for (Map.Entry<String, SafetensorsFile> e : shards.entrySet()) {
                for (String name : e.getValue().tensors().keySet()) {
                    String mapped = index.weightMap().get(name);
                    if (!e.getKey().equals(mapped)) {
                        throw new ModelFormatException(e.getKey() + ": holds tensor " + name + ", which " + indexName
                                + (mapped == null ? " does not list" : " maps to shard " + mapped));
                    }
                }
            }
            return new SafetensorsCheckpoint(indexName, List.copyOf(opened), Collections.unmodifiableMap(byTensor));
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The file this checkpoint was opened from (the single file or the index), for messages. */
    public String source() {
        return source;
    }

    /** Every tensor, in index (or header) order, with the file that holds it. */
    public Map<String, TensorInfo> tensors() {
        Map<String, TensorInfo> out = new LinkedHashMap<>();
        byTensor.forEach((name, st) -> out.put(name, st.info(name)));
        return Collections.unmodifiableMap(out);
    }

    public boolean contains(String name) {
        return byTensor.containsKey(name);
    }

    public TensorInfo info(String name) {
        return file(name).info(name);
    }

    public SafetensorsDtype dtype(String name) {
        return file(name).dtype(name);
    }

    /** The shard (or single file) that holds {@code name}. */
    public SafetensorsFile file(String name) {
        SafetensorsFile st = byTensor.get(name);
        if (st == null) throw new ModelFormatException(source + ": no tensor named " + name);
        return st;
    }

    /** The tensor's values widened to fp32 on the heap. */
    public float[] floats(String name) {
        return file(name).floats(name);
    }

    /** Widens the tensor into {@code dst[offset..]}; returns the element count. */
    public int floats(String name, float[] dst, int offset) {
        return file(name).floats(name, dst, offset);
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
