using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Spotter.Boxes;
using Spotter.Inference;

namespace Spotter.Onnx;

/// <summary>
/// Runs a model exported by <c>spotter export</c> on ONNX Runtime: the same
/// <see cref="IDetector"/> as the TorchSharp <c>Spotter.Detector</c> (same overloads, same
/// detections, thread-safe, batched), with no libtorch anywhere.
/// <code>
/// using var detector = OnnxDetector.Load("model.onnx");
/// foreach (var d in detector.Detect("photo.jpg"))
///     Console.WriteLine($"{d.Class} {d.Score:P0} at {d.Box}");
/// </code>
/// The graph holds everything after the squashed pixels: normalisation, network, box decoding,
/// score threshold and class-aware NMS; its output is N x K x 6 (x1, y1, x2, y2 in input pixels,
/// score, class index), zero rows after each image's last detection.
/// </summary>
public sealed class OnnxDetector : DetectorBase
{
    public const string InputName = "images";
    public const string OutputName = "detections";

    private readonly InferenceSession _session;

    private OnnxDetector(InferenceSession session, DetectorInfo info, IReadOnlyDictionary<string, string> metadata) : base(info)
    {
        _session = session;
        Metadata = metadata;
    }

    /// <summary>The model's metadata_props: classes, input_size, task, score_threshold, nms_iou, spotter_version.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <param name="path">A model.onnx written by <c>spotter export</c>.</param>
    /// <param name="options">ONNX Runtime session options (threads, execution providers); defaults when null.</param>
    public static OnnxDetector Load(string path, SessionOptions? options = null)
    {
        if (!File.Exists(path)) throw new SpotterException($"{path}: file not found");
        InferenceSession session;
        try
        {
            session = options is null ? new InferenceSession(path) : new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new SpotterException($"{path}: ONNX Runtime cannot load it ({e.Message.Split('\n')[0]})");
        }
        try
        {
            var metadata = session.ModelMetadata.CustomMetadataMap;
            var info = ReadInfo(path, metadata);
            if (!session.InputMetadata.ContainsKey(InputName) || !session.OutputMetadata.ContainsKey(OutputName))
                throw new SpotterException($"{path}: not a Spotter detector (it needs an input '{InputName}' and an output '{OutputName}')");
            return new OnnxDetector(session, info, new Dictionary<string, string>(metadata));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static DetectorInfo ReadInfo(string path, IReadOnlyDictionary<string, string> metadata)
    {
        string Get(string key) => metadata.TryGetValue(key, out var value)
            ? value
            : throw new SpotterException($"{path}: not a Spotter model (metadata '{key}' is missing; export it with 'spotter export')");
        try
        {
            var classes = JsonSerializer.Deserialize<List<string>>(Get("classes")) ?? throw new JsonException("null");
            var task = EnumNames.Parse<ModelTask>(Get("task"), "task");
            return new DetectorInfo(task, classes, int.Parse(Get("input_size"), System.Globalization.CultureInfo.InvariantCulture),
                task.DisplayThreshold(), "onnxruntime", "cpu",
                NmsIou: metadata.TryGetValue("nms_iou", out var iou) ? float.Parse(iou, System.Globalization.CultureInfo.InvariantCulture) : 0.5f,
                TrainedTile: metadata.TryGetValue("tile", out var tile) ? int.Parse(tile, System.Globalization.CultureInfo.InvariantCulture) : null);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            throw new SpotterException($"{path}: unreadable Spotter metadata ({e.Message})");
        }
    }

    protected override IReadOnlyList<IReadOnlyList<Detection>> DetectSquashed(byte[] pixels, int count)
    {
        var size = Info.InputSize;
        var input = new DenseTensor<float>([count, 3, size, size]);
        var values = input.Buffer.Span;
        for (var i = 0; i < pixels.Length; i++) values[i] = pixels[i] / 255f;
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(InputName, input)], [OutputName]);
        var output = results[0].AsTensor<float>();
        var k = output.Dimensions[1];
        var found = new List<IReadOnlyList<Detection>>(count);
        for (var n = 0; n < count; n++)
        {
            var list = new List<Detection>();
            for (var j = 0; j < k; j++)
            {
                var score = output[n, j, 4];
                if (score <= 0) break; // zero rows follow the last detection
                var box = new Box(output[n, j, 0], output[n, j, 1], output[n, j, 2], output[n, j, 3]);
                list.Add(Detection.Of((int)MathF.Round(output[n, j, 5]), score, box, Info.Classes));
            }
            found.Add(list);
        }
        return found;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _session.Dispose();
    }
}
