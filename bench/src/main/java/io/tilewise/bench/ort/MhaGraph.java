package io.tilewise.bench.ort;

import ai.onnx.proto.OnnxMl;

/**
 * The one-node ONNX model around ONNX Runtime's contrib operator {@code com.microsoft::MultiHeadAttention}:
 * inputs {@code query, key, value} as {@code [batch, seqLen, heads·headDim]} (batch and seqLen symbolic), output
 * {@code output} of the same shape. Built with the ONNX protobuf classes, the way the model builder builds stage
 * graphs.
 */
public final class MhaGraph {

    public static final String QUERY = "query";
    public static final String KEY = "key";
    public static final String VALUE = "value";
    public static final String OUTPUT = "output";

    /** ONNX IR version 8 pairs with opset 17; ONNX Runtime 1.29 reads both. */
    private static final long IR_VERSION = 8;
    private static final long AI_ONNX_OPSET = 17;
    private static final String MS_DOMAIN = "com.microsoft";
    private static final long MS_OPSET = 1;

    private MhaGraph() {
    }

    /** Serialized model for {@code heads} heads of {@code headDim}, softmax scale {@code scale}. */
    public static byte[] model(int heads, int headDim, float scale) {
        long hidden = (long) heads * headDim;
        OnnxMl.NodeProto node = OnnxMl.NodeProto.newBuilder()
                .setName("mha")
                .setOpType("MultiHeadAttention")
                .setDomain(MS_DOMAIN)
                .addInput(QUERY).addInput(KEY).addInput(VALUE)
                .addOutput(OUTPUT)
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("num_heads")
                        .setType(OnnxMl.AttributeProto.AttributeType.INT).setI(heads))
                .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("scale")
                        .setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(scale))
                .build();
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder()
                .setName("tilewise_mha")
                .addNode(node)
                .addInput(tensor(QUERY, hidden))
                .addInput(tensor(KEY, hidden))
                .addInput(tensor(VALUE, hidden))
                .addOutput(tensor(OUTPUT, hidden))
                .build();
        return OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("tilewise-bench")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(AI_ONNX_OPSET))
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(MS_OPSET))
                .setGraph(graph)
                .build()
                .toByteArray();
    }

    private static OnnxMl.ValueInfoProto tensor(String name, long hidden) {
        OnnxMl.TensorShapeProto shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("seq_len"))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(hidden))
                .build();
        OnnxMl.TypeProto type = OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(shape))
                .build();
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }
}
