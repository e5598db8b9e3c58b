using System.Text.Json;
using System.Text.Json.Serialization;
using Spotter.Data;
using Spotter.Models.Ssd;
using Spotter.Models.Largest;
using Spotter.Runtime;
using Spotter.Settings;

namespace Spotter.Models;

/// <summary>
/// What a model is, in one typed description: its task, the backbone it was built from, its
/// classes, the S x S input images are squashed to (normalisation is inside the model), and the
/// settings of its head: <see cref="Largest"/> for the largest-object tasks, <see cref="Detector"/>
/// for detection (the other is null). Each value is checked when set. It is saved as model.json
/// next to the weights (model.bin) and turned into a module by <see cref="ModelFactory"/> only.
/// </summary>
public sealed record ModelSpec
{
    public const string FileName = "model.json";
    public const string WeightsFileName = "model.bin";
    public const string FormatName = "spotter-model";

    /// <summary>2: typed settings ("largest"/"detector" groups). 1 (Spotter 0.1) is read and converted.</summary>
    public const int CurrentVersion = 2;

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;
    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("task")] public required ModelTask Task { get; init; }
    [JsonPropertyName("backbone")] public required string Backbone { get; init; }

    [JsonPropertyName("classes")]
    public required IReadOnlyList<string> Classes
    {
        get;
        init => field = value.Count > 0 ? value : throw new SpotterException("a model needs at least one class");
    }

    [JsonPropertyName("input_size")] public required int InputSize { get; init => field = Check.InputSize(value); }

    [JsonPropertyName("largest")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LargestHeadOptions? Largest { get; init; }

    [JsonPropertyName("detector")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DetectorOptions? Detector { get; init => field = value?.Validated(); }

    /// <summary>
    /// The tile side (in image pixels) of sliced training, or null: a model trained on tiles sees
    /// small objects at native resolution, so by default it runs tiled too (<see cref="Inference.Tiling"/>).
    /// </summary>
    [JsonPropertyName("tile")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Tile { get; init => field = value is null or >= 32 ? value : throw new SpotterException("tile must be at least 32 pixels"); }

    [JsonPropertyName("input")] public string Input { get; init; } = "RGB 0..1, squashed to input_size x input_size; normalisation is inside the model";
    [JsonPropertyName("spotter_version")] public string SpotterVersion { get; init; } = SpotterInfo.Version;

    /// <summary>The head settings of a largest-object model (defaults when none were given).</summary>
    [JsonIgnore] public LargestHeadOptions LargestHead => Largest ?? new LargestHeadOptions();

    /// <summary>The settings of a detector (defaults when none were given).</summary>
    [JsonIgnore] public DetectorOptions DetectorSettings => Detector ?? new DetectorOptions();

    /// <summary>A model description for a task, keeping only the settings group the task uses.</summary>
    public static ModelSpec For(ModelTask task, string backbone, IReadOnlyList<string> classes, int inputSize, LargestHeadOptions? largest = null, DetectorOptions? detector = null) => new()
    {
        Task = task,
        Backbone = backbone,
        Classes = classes,
        InputSize = inputSize,
        // classify-largest has no box: it always uses the lessons' pooled classifier head.
        Largest = !task.IsLargestObject() ? null
            : task == ModelTask.ClassifyLargest ? (largest ?? new LargestHeadOptions()) with { BoxHead = BoxHeadKind.Lesson }
            : largest ?? new LargestHeadOptions(),
        Detector = task == ModelTask.Detect ? detector ?? new DetectorOptions() : null,
    };

    /// <summary>
    /// Which images a task can learn from and be measured on: a detector also learns from images
    /// without objects (all background); the largest-object tasks need an object.
    /// </summary>
    public static bool CanUse(ModelTask task, ImageRecord image) => task == ModelTask.Detect || image.Objects.Count > 0;

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>Reads model.json from a run folder or model folder, or the file itself; returns it with the folder that holds the weights.</summary>
    public static (ModelSpec Spec, string Folder) Load(string path)
    {
        var file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file))
            throw new SpotterException($"{path}: no {FileName} here; give a run folder made by 'spotter train' or its model.json");
        var spec = Parse(File.ReadAllText(file), file);
        var folder = Path.GetDirectoryName(Path.GetFullPath(file))!;
        if (!File.Exists(Path.Combine(folder, WeightsFileName)))
            throw new SpotterException($"{folder}: {WeightsFileName} is missing next to {FileName}");
        return (spec, folder);
    }

    /// <summary>A model.json's text (version 1 or 2) as a checked description; <paramref name="file"/> names it in errors.</summary>
    public static ModelSpec Parse(string text, string file)
    {
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(text) as System.Text.Json.Nodes.JsonObject
                       ?? throw new SpotterException($"{file}: not a Spotter model description");
            if ((string?)node["format"] != FormatName) throw new SpotterException($"{file}: not a Spotter model description");
            var version = (int?)node["version"] ?? 1;
            if (version > CurrentVersion)
                throw new SpotterException($"{file}: made by a newer Spotter (format version {version}); update Spotter");
            if (version == 1) node = ModelSpecVersion1.Upgrade(node);
            if (node["detector"] is System.Text.Json.Nodes.JsonObject detector) DetectorOptions.FillSettingsOlderThanTheFile(detector);
            var spec = node.Deserialize<ModelSpec>(Json) ?? throw new SpotterException($"{file}: empty");
            return For(spec.Task, spec.Backbone, spec.Classes, spec.InputSize, spec.Largest, spec.Detector) with { SpotterVersion = spec.SpotterVersion, Tile = spec.Task == ModelTask.Detect ? spec.Tile : null };
        }
        catch (JsonException e)
        {
            throw new SpotterException($"{file}:{(e.LineNumber ?? 0) + 1}: not a valid {FileName} ({e.Message.Split(" Path:", 2)[0]})");
        }
        catch (SpotterException e) when (!e.Message.StartsWith(file, StringComparison.Ordinal))
        {
            throw new SpotterException($"{file}: {e.Message}");
        }
    }
}
