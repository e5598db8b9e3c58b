using System.Runtime.InteropServices;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Spotter.Models.Backbones;

/// <summary>
/// Builds a <see cref="ResNetBackbone"/> from ML.NET's ImageNet ResNet18 (a CNTK export in ONNX)
/// and its preprocessing graph. The graph's Conv -> BatchNormalization pairs are read in node
/// order and copied onto the module's conv/BN pairs in the same order, checking every shape.
/// The preprocessing graph (RGB 0..255 -> BGR minus a 224x224 mean image) becomes the module's
/// <see cref="InputNormalization"/>, with the 0..1 -> 0..255 scaling folded in.
/// </summary>
public static class OnnxResNetImporter
{
    public static ResNetBackbone Import(string modelPath, string preprocessPath)
    {
        var model = Parse(modelPath);
        var preprocess = Parse(preprocessPath);
        var initializers = model.Graph.Initializer.ToDictionary(t => t.Name);
        var pairs = ReadConvBnPairs(model.Graph, initializers, modelPath);

        var meanImage = ReadMeanImage(preprocess, preprocessPath);
        var backbone = new ResNetBackbone(ResNetSpec.CntkResNet18, InputNormalization.MeanImageBgr255(meanImage));
        var targets = backbone.ConvNormPairsInExportOrder().ToList();
        if (targets.Count != pairs.Count)
            throw new SpotterException($"{modelPath}: expected {targets.Count} convolution+batch-norm pairs, the graph has {pairs.Count}");

        using var _ = no_grad();
        for (var i = 0; i < pairs.Count; i++)
        {
            var (conv, norm) = targets[i];
            var source = pairs[i];
            Copy(conv.weight!, initializers[source.Weight], modelPath);
            Copy(norm.weight!, initializers[source.Scale], modelPath);
            Copy(norm.bias!, initializers[source.Bias], modelPath);
            Copy(norm.running_mean!, initializers[source.Mean], modelPath);
            Copy(norm.running_var!, initializers[source.Variance], modelPath);
            norm.eps = source.Epsilon;
        }
        return backbone;
    }

    private sealed record ConvBn(string Weight, string Scale, string Bias, string Mean, string Variance, double Epsilon);

    private static ModelProto Parse(string path)
    {
        if (!File.Exists(path)) throw new SpotterException($"{path}: file not found");
        try
        {
            using var stream = File.OpenRead(path);
            return ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new SpotterException($"{path}: not a valid ONNX model ({e.Message})");
        }
    }

    private static List<ConvBn> ReadConvBnPairs(GraphProto graph, Dictionary<string, TensorProto> initializers, string path)
    {
        var convWeightByOutput = graph.Node.Where(n => n.OpType == "Conv").ToDictionary(n => n.Output[0], n => n.Input[1]);
        var pairs = new List<ConvBn>();
        foreach (var node in graph.Node.Where(n => n.OpType == "BatchNormalization"))
        {
            if (!convWeightByOutput.TryGetValue(node.Input[0], out var weight))
                throw new SpotterException($"{path}: batch norm {node.Name} does not follow a convolution");
            var epsilon = node.Attribute.FirstOrDefault(a => a.Name == "epsilon")?.F ?? 1e-5f;
            pairs.Add(new ConvBn(weight, node.Input[1], node.Input[2], node.Input[3], node.Input[4], epsilon));
        }
        foreach (var name in pairs.SelectMany(p => new[] { p.Weight, p.Scale, p.Bias, p.Mean, p.Variance }))
            if (!initializers.ContainsKey(name)) throw new SpotterException($"{path}: initializer {name} is missing");
        return pairs;
    }

    private static Tensor ReadMeanImage(ModelProto preprocess, string path)
    {
        var mean = preprocess.Graph.Initializer.FirstOrDefault(t => t.Name == "MeanImage")
                   ?? throw new SpotterException($"{path}: no MeanImage initializer");
        return ToTensor(mean);
    }

    private static void Copy(Tensor target, TensorProto source, string path)
    {
        using var value = ToTensor(source);
        if (!value.shape.SequenceEqual(target.shape))
            throw new SpotterException($"{path}: {source.Name} has shape [{string.Join(",", value.shape)}], the module expects [{string.Join(",", target.shape)}]");
        target.copy_(value);
    }

    private static Tensor ToTensor(TensorProto proto)
    {
        if (proto.DataType != (int)TensorProto.Types.DataType.Float)
            throw new SpotterException($"initializer {proto.Name} is not float32");
        var values = proto.RawData.Length > 0
            ? MemoryMarshal.Cast<byte, float>(proto.RawData.Span).ToArray()
            : proto.FloatData.ToArray();
        return tensor(values).reshape(proto.Dims.ToArray());
    }
}
