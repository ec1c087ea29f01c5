package io.tilewise.wan.tools;

import io.tilewise.pipeline.model.SafetensorsDtype;
import io.tilewise.wan.fixtures.SafetensorsBytes;
import io.tilewise.wan.transformer.WanConfig;
import io.tilewise.wan.transformer.WanTensorNames;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Developer tool: writes a diffusers-layout Wan2.1 transformer folder with random weights at real dimensions
 * (Wan2.1-T2V-1.3B by default) for timing runs, streamed to disk tensor by tensor (never the model in memory), as
 * BF16 in {@code shards} files with a {@code diffusion_pytorch_model.safetensors.index.json}. Weights are uniform with
 * the standard deviation of a fan-in initialisation, so activations keep a sane scale through the blocks. Never
 * commit its output.
 *
 * <pre>java … io.tilewise.wan.tools.WanRandomCheckpoint OUT_DIR [layers=30] [shards=2] [seed=1]</pre>
 */
public final class WanRandomCheckpoint {

    private WanRandomCheckpoint() {
    }

    /** Wan2.1-T2V-1.3B's transformer config with {@code layers} blocks. */
    public static String config1p3b(int layers) {
        return "{\"_class_name\": \"WanTransformer3DModel\", \"_diffusers_version\": \"0.33.0\", \"patch_size\": [1, 2, 2], "
                + "\"num_attention_heads\": 12, \"attention_head_dim\": 128, \"in_channels\": 16, \"out_channels\": 16, "
                + "\"text_dim\": 4096, \"freq_dim\": 256, \"ffn_dim\": 8960, \"num_layers\": " + layers + ", "
                + "\"cross_attn_norm\": true, \"qk_norm\": \"rms_norm_across_heads\", \"eps\": 1e-06, \"image_dim\": null, "
                + "\"added_kv_proj_dim\": null, \"rope_max_seq_len\": 1024, \"pos_embed_seq_len\": null}";
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        int layers = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int shards = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        long seed = args.length > 3 ? Long.parseLong(args[3]) : 1;
        write(out, config1p3b(layers), shards, seed);
    }

    /** Writes config.json and the shards for {@code configJson} into {@code dir}. */
    public static void write(Path dir, String configJson, int shards, long seed) throws IOException {
        Files.createDirectories(dir);
        WanConfig config = WanConfig.parse(configJson);
        Files.writeString(dir.resolve("config.json"), configJson);
        Map<String, long[]> tensors = WanTensorNames.expected(config);
        List<List<String>> parts = split(tensors, shards);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode index = mapper.createObjectNode();
        ObjectNode weightMap = index.putObject("weight_map");
        SplittableRandom random = new SplittableRandom(seed);
        long total = 0;
        for (int s = 0; s < parts.size(); s++) {
            String file = String.format("diffusion_pytorch_model-%05d-of-%05d.safetensors", s + 1, parts.size());
            for (String name : parts.get(s)) weightMap.put(name, file);
            total += writeShard(dir.resolve(file), parts.get(s), tensors, random);
        }
        index.putObject("metadata").put("total_size", total);
        Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"), index.toPrettyString());
    }

    private static List<List<String>> split(Map<String, long[]> tensors, int shards) {
        long all = 0;
        for (long[] s : tensors.values()) all += count(s);
        List<List<String>> parts = new ArrayList<>();
        List<String> current = new ArrayList<>();
        long filled = 0;
        for (Map.Entry<String, long[]> e : tensors.entrySet()) {
            if (filled >= all * (parts.size() + 1) / shards && parts.size() < shards - 1 && !current.isEmpty()) {
                parts.add(current);
                current = new ArrayList<>();
            }
            current.add(e.getKey());
            filled += count(e.getValue());
        }
        parts.add(current);
        return parts;
    }

    private static long writeShard(Path file, List<String> names, Map<String, long[]> shapes, SplittableRandom random)
            throws IOException {
        Map<String, long[]> ordered = new LinkedHashMap<>();
        long bytes = 0;
        for (String name : names) {
            ordered.put(name, shapes.get(name));
            bytes += count(shapes.get(name)) * 2;
        }
        byte[] header = SafetensorsBytes.header(ordered, name -> "BF16");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            head.putLong(header.length).put(header).flip();
            while (head.hasRemaining()) ch.write(head);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 22).order(ByteOrder.LITTLE_ENDIAN);
            for (String name : names) {
                long[] shape = shapes.get(name);
                double std = std(name, shape);
                double mean = name.endsWith("norm_q.weight") || name.endsWith("norm_k.weight") || name.endsWith("norm2.weight") ? 1 : 0;
                double half = std * Math.sqrt(3);
                for (long i = count(shape); i > 0; i--) {
                    if (!chunk.hasRemaining()) {
                        chunk.flip();
                        while (chunk.hasRemaining()) ch.write(chunk);
                        chunk.clear();
                    }
                    float v = (float) (mean + (random.nextDouble() * 2 - 1) * half);
                    chunk.putShort((short) SafetensorsDtype.BF16.encode(v));
                }
            }
            chunk.flip();
            while (chunk.hasRemaining()) ch.write(chunk);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return bytes;
    }

    /** Fan-in scale for weights (the last dims are the inputs), small values for biases, tables and norm gains. */
    private static double std(String name, long[] shape) {
        if (name.endsWith("scale_shift_table")) return 1 / Math.sqrt(shape[shape.length - 1]);
        if (shape.length == 1) return 0.02;
        long fanIn = 1;
        for (int i = 1; i < shape.length; i++) fanIn *= shape[i];
        return 1 / Math.sqrt(fanIn);
    }

    private static long count(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }
}
