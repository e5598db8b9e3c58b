using System.Text.Json;
using System.Text.Json.Serialization;
using Spotter.Runtime;

namespace Spotter.Models;

/// <summary>
/// model.json: everything needed, with model.bin, to rebuild a trained model and use it: the
/// task, the backbone it was built from, the classes, the input size (images are squashed to it;
/// the normalisation is part of the weights), and the head's settings.
/// </summary>
public sealed record ModelInfo
{
    public const string FileName = "model.json";
    public const string WeightsFileName = "model.bin";
    public const int CurrentVersion = 1;

    [JsonPropertyName("format")] public string Format { get; init; } = "spotter-model";
    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("task")] public required string Task { get; init; }
    [JsonPropertyName("backbone")] public required string Backbone { get; init; }
    [JsonPropertyName("classes")] public required IReadOnlyList<string> Classes { get; init; }
    [JsonPropertyName("input_size")] public required int InputSize { get; init; }
    [JsonPropertyName("class_loss_weight")] public double ClassLossWeight { get; init; } = 20;
    [JsonPropertyName("head_dropout")] public double HeadDropout { get; init; } = 1;
    /// <summary>Largest-object models: "cells" (per-cell proposals and votes) or "lesson" (flatten -> linear);
    /// a model.json without it predates the cells head, so it means "lesson".</summary>
    [JsonPropertyName("box_head")] public string BoxHead { get; init; } = "lesson";
    [JsonPropertyName("detector")] public Detection.DetectorSettings? Detector { get; init; }
    [JsonPropertyName("input")] public string Input { get; init; } = "RGB 0..1, squashed to input_size x input_size; normalisation is inside the model";
    [JsonPropertyName("spotter_version")] public string SpotterVersion { get; init; } = typeof(ModelInfo).Assembly.GetName().Version?.ToString(3) ?? "";

    /// <summary>Whether the task is every-object detection (rather than a largest-object task).</summary>
    public static bool IsDetection(string task) => task == "detect";

    /// <summary>
    /// Which images a task can learn from: a detector also learns from images without objects
    /// (all background); the largest-object tasks need an object.
    /// </summary>
    public static bool CanUse(string task, Data.ImageRecord image) => IsDetection(task) || image.Objects.Count > 0;

    /// <summary>The score below which detections are not shown: 0.3 for a detector (its raw output keeps
    /// everything above 0.05 for mAP), 0 for the largest-object models (one answer per image).</summary>
    [JsonIgnore] public float DisplayThreshold => IsDetection(Task) ? 0.3f : 0f;

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>Reads model.json from a run folder or model folder, or from the file itself.</summary>
    public static (ModelInfo Info, string Folder) Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file))
            throw new SpotterException($"{path}: no {FileName} here; give a run folder made by 'spotter train' or its model.json");
        ModelInfo? info;
        try
        {
            info = JsonSerializer.Deserialize<ModelInfo>(File.ReadAllText(file), Json);
        }
        catch (JsonException e)
        {
            throw new SpotterException($"{file}:{(e.LineNumber ?? 0) + 1}: not a valid {FileName} ({e.Message.Split(" Path:", 2)[0]})");
        }
        if (info is null || info.Format != "spotter-model")
            throw new SpotterException($"{file}: not a Spotter model description");
        if (info.Version > CurrentVersion)
            throw new SpotterException($"{file}: made by a newer Spotter (format version {info.Version}); update Spotter");
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        if (!File.Exists(Path.Combine(folder, WeightsFileName)))
            throw new SpotterException($"{folder}: {WeightsFileName} is missing next to {FileName}");
        return (info, folder);
    }
}
