using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Spotter.Models;
using Spotter.Models.Largest;
using Spotter.Models.Ssd;
using Spotter.Runtime;
using static TorchSharp.torch;

namespace Spotter.Export;

/// <summary>
/// <c>spotter export</c>: a trained model as one ONNX graph that other programs run on their own.
/// The contract (README, "ONNX export"): input <c>images</c> float32 N x 3 x S x S, RGB 0..1,
/// squashed to S x S; everything else inside (normalisation, network, box decoding, score
/// threshold, class-aware NMS); output <c>detections</c> float32 N x K x 6 = x1, y1, x2, y2 in
/// input pixels, score, class index, best first, zero rows after an image's last detection;
/// metadata_props classes, input_size, task, score_threshold, nms_iou, spotter_version. A
/// largest-object model is a detector with K = 1. Every graph is run on ONNX Runtime next to
/// TorchSharp before it is written; the file is refused when they disagree.
/// </summary>
public static class OnnxExport
{
    public const string InputName = "images";
    public const string OutputName = "detections";
    public const int DefaultOpset = 17;
    public const int MinimumOpset = 13;
    public const int MaximumOpset = 21;

    /// <param name="MaxDetections">K, the detections per image (default: the model's own, 100).</param>
    /// <param name="ScoreThreshold">Detections scoring at most this are dropped inside the graph (default: the model's own, 0.05).</param>
    public sealed record Options(int? MaxDetections = null, float? ScoreThreshold = null, int Opset = DefaultOpset);

    /// <summary>What the export check measured: the largest differences between ONNX Runtime and TorchSharp.</summary>
    public sealed record Check(double MaxScoreDifference, double MaxBoxDifference, int Images);

    /// <summary>Writes <paramref name="path"/> (atomically) from a model in eval mode on the CPU; returns the check's numbers.</summary>
    public static Check Write(IImageModel model, string path, Options? options = null)
    {
        options ??= new Options();
        if (options.Opset is < MinimumOpset or > MaximumOpset)
            throw new SpotterException($"--opset {options.Opset}: Spotter writes opsets {MinimumOpset} to {MaximumOpset}");
        if (options.MaxDetections is < 1) throw new SpotterException("--max-detections must be at least 1");
        if (options.ScoreThreshold is < 0 or >= 1) throw new SpotterException("--score-threshold must be in [0, 1)");
        model.Module.eval();
        var (graph, metadata) = Build(model, options);
        var withChecks = graph.ToModel(options.Opset, metadata);
        var check = Verify(model, withChecks, path);
        graph.RemoveOutputs(OnnxHeads.CheckPrefix);
        var final = graph.ToModel(options.Opset, metadata);
        AtomicFile.Write(path, temp =>
        {
            using var file = File.Create(temp);
            final.WriteTo(file);
        });
        return check;
    }

    private static (OnnxGraph Graph, Dictionary<string, string> Metadata) Build(IImageModel model, Options options)
    {
        var spec = model.Spec;
        var g = new OnnxGraph();
        g.Input(InputName, "N", 3, spec.InputSize, spec.InputSize);
        var metadata = new Dictionary<string, string>
        {
            ["classes"] = JsonSerializer.Serialize(spec.Classes),
            ["input_size"] = spec.InputSize.ToString(CultureInfo.InvariantCulture),
            ["task"] = spec.Task.Name(),
            ["spotter_version"] = SpotterInfo.Version,
        };
        using var _ = no_grad();
        switch (model)
        {
            case SsdModel ssd:
                var detector = spec.DetectorSettings;
                var threshold = options.ScoreThreshold ?? (float)detector.ScoreThreshold;
                OnnxHeads.Ssd(g, InputName, ssd, options.MaxDetections ?? detector.MaxDetections, threshold);
                metadata["score_threshold"] = threshold.ToString("R", CultureInfo.InvariantCulture);
                metadata["nms_iou"] = detector.NmsIou.ToString("R", CultureInfo.InvariantCulture);
                metadata["max_detections"] = (options.MaxDetections ?? detector.MaxDetections).ToString(CultureInfo.InvariantCulture);
                if (spec.Tile is { } tile) metadata["tile"] = tile.ToString(CultureInfo.InvariantCulture); // trained on tiles: run tiled
                break;
            case LargestObjectModel largest:
                OnnxHeads.Largest(g, InputName, largest);
                metadata["score_threshold"] = "0";
                metadata["nms_iou"] = "1";
                metadata["max_detections"] = "1";
                break;
            default:
                throw new NotSupportedException($"ONNX export of a {model.GetType().Name}");
        }
        return (g, metadata);
    }

    /// <summary>
    /// Runs the graph on ONNX Runtime and the model on TorchSharp over the same images (noise and
    /// smooth gradients) and compares what comes before NMS: every anchor's class scores and box
    /// (a detector), or the box (a largest-object model). NMS itself is compared by the tests.
    /// </summary>
    private static Check Verify(IImageModel model, global::Onnx.ModelProto onnx, string path)
    {
        const int count = 3;
        var size = model.InputSize;
        using var scope = NewDisposeScope();
        var generator = new Generator(17);
        var images = cat([rand(2, 3, size, size, generator: generator), Gradient(size)]);
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(images.data<float>().ToArray(), [count, 3, size, size]);
        Dictionary<string, float[]> onnxOutputs;
        try
        {
            using var session = new InferenceSession(onnx.ToByteArray());
            using var results = session.Run([NamedOnnxValue.CreateFromTensor(InputName, input)]);
            onnxOutputs = results.ToDictionary(r => r.Name, r => r.AsTensor<float>().ToArray());
        }
        catch (OnnxRuntimeException e)
        {
            throw new SpotterException($"{path}: not written: ONNX Runtime cannot run the exported graph ({e.Message.Split('\n')[0]})");
        }
        using var _ = no_grad();
        double scoreDifference = 0, boxDifference;
        if (model is SsdModel ssd)
        {
            var output = ssd.forward(images);
            var scores = sigmoid(output[.., .., ..ssd.ClassCount]);
            var boxes = ssd.DecodeBoxes(output);
            scoreDifference = MaxDifference(scores, onnxOutputs[OnnxHeads.CheckPrefix + "scores"]);
            boxDifference = MaxDifference(boxes, onnxOutputs[OnnxHeads.CheckPrefix + "boxes"]);
        }
        else
        {
            var largest = (LargestObjectModel)model;
            var (box, _) = largest.Decode(largest.forward(images));
            box ??= zeros(count, 4).add_(tensor(new float[] { 0, 0, size, size }));
            boxDifference = MaxDifference(box, onnxOutputs[OnnxHeads.CheckPrefix + "box"]);
        }
        // Scores are probabilities; boxes are in input pixels (half a pixel is the contract's tolerance).
        if (scoreDifference > 1e-3 || boxDifference > 0.5)
            throw new SpotterException($"{path}: not written: ONNX Runtime and TorchSharp disagree (scores by up to {scoreDifference:g3}, boxes by up to {boxDifference:g3} px)");
        return new Check(scoreDifference, boxDifference, count);
    }

    private static Tensor Gradient(int size)
    {
        var ramp = linspace(0, 1, size);
        return stack([ramp.unsqueeze(0).expand(size, size), ramp.unsqueeze(1).expand(size, size), (ramp.unsqueeze(0) * ramp.unsqueeze(1))]).unsqueeze(0);
    }

    private static double MaxDifference(Tensor torchValues, float[] onnxValues)
    {
        var values = torchValues.detach().cpu().contiguous().data<float>().ToArray();
        if (values.Length != onnxValues.Length)
            throw new SpotterException($"the exported graph's check output has {onnxValues.Length} values, TorchSharp's {values.Length}");
        double max = 0;
        for (var i = 0; i < values.Length; i++) max = Math.Max(max, Math.Abs(values[i] - onnxValues[i]));
        return max;
    }
}
