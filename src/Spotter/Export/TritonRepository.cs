using System.Globalization;
using System.Text;
using System.Text.Json;
using Spotter.Models;
using Spotter.Runtime;

namespace Spotter.Export;

/// <summary>
/// Writes an exported model as a Triton Inference Server model repository: DIR/NAME/1/model.onnx
/// and DIR/NAME/config.pbtxt for the onnxruntime backend, with the batch dimension left to Triton
/// (max_batch_size, dims without it) and dynamic batching on, so concurrent requests are batched.
/// The model's classes travel in the config's parameters ("classes", a JSON array).
/// </summary>
public static class TritonRepository
{
    public const int MaxBatchSize = 32;

    /// <summary>A Triton model name from a run folder's name: letters, digits, '-' and '_' only.</summary>
    public static string NameFor(string runFolder)
    {
        var folder = Directory.Exists(runFolder) ? runFolder : Path.GetDirectoryName(Path.GetFullPath(runFolder))!;
        var name = new string(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        return name.Length == 0 ? "spotter" : name;
    }

    /// <summary>Writes the repository entry; returns DIR/NAME.</summary>
    public static string Write(IImageModel model, string repository, string name, OnnxExport.Options options)
    {
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw new SpotterException($"--name '{name}': a Triton model name has letters, digits, '-' and '_' only");
        var folder = Path.Combine(repository, name);
        var version = Path.Combine(folder, "1");
        Directory.CreateDirectory(version);
        OnnxExport.Write(model, Path.Combine(version, "model.onnx"), options);
        var k = model.Spec.Task == ModelTask.Detect ? options.MaxDetections ?? model.Spec.DetectorSettings.MaxDetections : 1;
        AtomicFile.WriteAllText(Path.Combine(folder, "config.pbtxt"), Config(name, model.Spec, k));
        return folder;
    }

    /// <summary>config.pbtxt in protobuf text format (Triton's model_config.proto).</summary>
    public static string Config(string name, ModelSpec spec, int k)
    {
        var s = spec.InputSize.ToString(CultureInfo.InvariantCulture);
        var classes = JsonSerializer.Serialize(spec.Classes).Replace("\\", "\\\\").Replace("\"", "\\\"");
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"name: \"{name}\"");
        text.AppendLine("platform: \"onnxruntime_onnx\"");
        text.AppendLine(CultureInfo.InvariantCulture, $"max_batch_size: {MaxBatchSize}");
        text.AppendLine("input [");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {{ name: \"{OnnxExport.InputName}\" data_type: TYPE_FP32 dims: [ 3, {s}, {s} ] }}");
        text.AppendLine("]");
        text.AppendLine("output [");
        text.AppendLine(CultureInfo.InvariantCulture, $"  {{ name: \"{OnnxExport.OutputName}\" data_type: TYPE_FP32 dims: [ {k}, 6 ] }}");
        text.AppendLine("]");
        text.AppendLine("dynamic_batching {");
        text.AppendLine("  preferred_batch_size: [ 8, 16, 32 ]");
        text.AppendLine("  max_queue_delay_microseconds: 2000");
        text.AppendLine("}");
        text.AppendLine(CultureInfo.InvariantCulture, $"parameters {{ key: \"classes\" value: {{ string_value: \"{classes}\" }} }}");
        text.AppendLine(CultureInfo.InvariantCulture, $"parameters {{ key: \"task\" value: {{ string_value: \"{spec.Task.Name()}\" }} }}");
        return text.ToString();
    }
}
