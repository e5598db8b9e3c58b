using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Spotter.Models;
using Spotter.Models.Ssd;
using Spotter.Models.Largest;
using Spotter.Runtime;
using Spotter.Settings;

namespace Spotter.Training;

/// <summary>
/// config.json: everything a training run was asked to do, enough to repeat or resume it: the
/// data, the model (task, backbone, size and the head settings of <see cref="Largest"/> or
/// <see cref="Detector"/>; with the dataset's classes these make the <see cref="ModelSpec"/>),
/// and the training recipe. Each value is checked when set; <see cref="Validated"/> checks the
/// combinations.
/// </summary>
public sealed record TrainConfig
{
    public const string FileName = "config.json";

    /// <summary>2: typed settings in groups. Version 1 (flat, Spotter 0.1) is read and converted.</summary>
    public const int CurrentVersion = 2;

    [JsonPropertyName("version")] public int Version { get; init; } = CurrentVersion;
    [JsonPropertyName("dataset")] public required string Dataset { get; init; }
    [JsonPropertyName("images")] public string? ImageFolder { get; init; }
    [JsonPropertyName("task")] public required ModelTask Task { get; init; }
    [JsonPropertyName("backbone")] public string Backbone { get; init; } = Models.Backbones.BackboneCatalog.ImageNetResNet18;
    [JsonPropertyName("size")] public int Size { get; init => field = Check.InputSize(value); } = 224;
    /// <summary>Choose <see cref="Size"/> from the training boxes before training (a detector given no <c>--size</c>); the chosen size is then saved.</summary>
    [JsonPropertyName("size_from_data")] public bool SizeFromData { get; init; }
    [JsonPropertyName("largest")] public LargestHeadOptions Largest { get; init; } = new();
    [JsonPropertyName("detector")] public DetectorOptions Detector { get; init => field = value.Validated(); } = new();

    [JsonPropertyName("epochs")] public int Epochs { get; init => field = Check.AtLeast(value, 1, "--epochs"); } = 6;
    /// <summary>Epochs with the body frozen, before the rest unfrozen with differential rates.</summary>
    [JsonPropertyName("freeze_epochs")] public int FreezeEpochs { get; init => field = Check.AtLeast(value, 0, "--freeze-epochs"); } = 2;
    [JsonPropertyName("batch")] public int Batch { get; init => field = value >= 2 ? value : throw new SpotterException("--batch must be at least 2 (batch norm needs two images)"); } = 16;
    /// <summary>The head's maximum learning rate; null: take the LR finder's suggestion.</summary>
    [JsonPropertyName("lr")] public double? LearningRate { get; init => field = value is { } v ? Check.Positive(v, "--lr") : null; }
    [JsonPropertyName("schedule")] public ScheduleKind Schedule { get; init; }
    /// <summary>With one-cycle, cycle the momentum (Adam's beta1) from 0.95 down to 0.85 and back, against the rate.</summary>
    [JsonPropertyName("cycle_momentum")] public bool CycleMomentum { get; init; }
    [JsonPropertyName("optimizer")] public OptimizerKind Optimizer { get; init; }
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init => field = Check.Between(value, 0, 10, "--weight-decay"); } = 1e-2;
    [JsonPropertyName("clip_norm")] public double GradientClipNorm { get; init => field = Check.Between(value, 0, 1e9, "--clip-norm"); }
    [JsonPropertyName("train_split")] public string TrainSplit { get; init; } = "train";
    [JsonPropertyName("valid_split")] public string ValidSplit { get; init; } = "val";
    /// <summary>
    /// <c>--lr-ratio</c>: after unfreezing, each layer group learns this many times slower than the
    /// one after it (the lessons' 10: body lr/200 and lr/20, head lr/2); 1: one rate for all.
    /// </summary>
    [JsonPropertyName("lr_ratio")] public double LrRatio { get; init => field = Check.Between(value, 1, 1000, "--lr-ratio"); } = 10;
    /// <summary>
    /// <c>--keep-frozen</c>: layer groups that stay frozen after the frozen phase. 1 keeps the stem
    /// and the stride-4 and stride-8 stages as ImageNet left them (their batch norm too), so no
    /// gradient is computed on the largest feature maps: the bare step took about half the time
    /// (a detector at 256 px), an epoch about three quarters.
    /// </summary>
    [JsonPropertyName("keep_frozen")] public int KeepFrozen { get; init => field = Check.Between(value, 0, 1, "--keep-frozen"); }
    /// <summary>
    /// <c>--frozen-norm</c>: batch norms that keep their statistics through training (eval mode)
    /// instead of following each batch, so validation and the saved model normalise as training did.
    /// </summary>
    [JsonPropertyName("frozen_norm")] public FrozenNorm FrozenNorm { get; init; }
    [JsonPropertyName("augment")] public bool Augment { get; init; } = true;
    /// <summary>Detection's scale jitter (<c>--zoom</c>): half the training views magnified by a factor from 1/Zoom to Zoom; 1 = off.</summary>
    [JsonPropertyName("zoom")] public double Zoom { get; init => field = Check.Between(value, 1, 4, "--zoom"); } = 1;
    /// <summary>
    /// <c>--color-jitter</c>: brightness, contrast and saturation each vary by up to this much;
    /// null: the lessons' mild lighting change (brightness and contrast 0.05, saturation kept).
    /// </summary>
    [JsonPropertyName("color_jitter")] public double? ColorJitter { get; init => field = value is { } v ? Check.Between(v, 0, 1, "--color-jitter") : null; }
    /// <summary>
    /// <c>--mosaic</c>: the probability that a detection training view is a mosaic of four images
    /// (<see cref="Data.Loading.Mosaic"/>); the last epochs train without. 0 = off.
    /// </summary>
    [JsonPropertyName("mosaic")] public double Mosaic { get; init => field = Check.Between(value, 0, 1, "--mosaic"); }
    /// <summary>
    /// <c>--mosaic-scale</c>: the share of the input size each of a mosaic's images is scaled to: 0.5
    /// (YOLOv4's, the default) shows four whole images smaller; 1 (Ultralytics') shows a part of each
    /// at the size its objects have alone.
    /// </summary>
    [JsonPropertyName("mosaic_scale")] public double MosaicScale { get; init => field = Check.Between(value, 0.25, 1, "--mosaic-scale"); } = Data.Loading.Mosaic.DefaultScale;
    /// <summary>
    /// <c>--copy-paste</c>: the probability that an object from another training image is pasted
    /// beside one of a detection training view's objects (<see cref="Data.Loading.CopyPaste"/>); the
    /// last epochs train without, as without mosaics. 0 = off.
    /// </summary>
    [JsonPropertyName("copy_paste")] public double CopyPaste { get; init => field = Check.Between(value, 0, 1, "--copy-paste"); }
    /// <summary>Background images (<c>--negatives</c>: a folder, a file or a glob): trained as images with no objects, against false detections.</summary>
    [JsonPropertyName("negatives")] public string? Negatives { get; init; }
    /// <summary>
    /// Validate and save an exponential moving average of the weights (<c>--ema</c>) that spans about
    /// this many epochs' steps, instead of the last step's weights (<see cref="WeightAverage"/>); 0: off.
    /// </summary>
    [JsonPropertyName("ema_epochs")] public double EmaEpochs { get; init => field = Check.Between(value, 0, 1000, "--ema"); }
    /// <summary>
    /// <c>--validate-every</c>: which epochs end with a validation pass (<see cref="ValidationSchedule"/>);
    /// the CLI makes it <see cref="ValidationSchedule.BudgetedEvery"/> under <c>--time</c>. Runs
    /// recorded before it existed validated every epoch, and resume so.
    /// </summary>
    [JsonPropertyName("validate_every")] public int ValidateEvery { get; init => field = Check.AtLeast(value, 1, "--validate-every"); } = 1;
    [JsonIgnore] public ValidationSchedule Validation => new(ValidateEvery);
    [JsonPropertyName("patience")] public int Patience { get; init => field = Check.AtLeast(value, 0, "--patience"); }
    /// <summary>A wall-clock budget for the whole run (<c>--time</c>); the unfrozen epochs are then planned to fit it (see <see cref="TimeBudget"/>).</summary>
    [JsonPropertyName("time_budget_seconds")] public double? TimeBudgetSeconds { get; init => field = value is { } v ? Check.Positive(v, "--time") : null; }
    [JsonPropertyName("device")] public string Device { get; init; } = "auto";
    /// <summary>fp32, bf16 (forward and backward in bf16 with fp32 master weights), or auto (bf16 on a CPU with bf16 arithmetic).</summary>
    [JsonPropertyName("precision")] public Precision Precision { get; init; } = Precision.Fp32;
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>
    /// Sliced training (<c>--tile</c>): images larger than 1.5 tiles train as tiles of this many of
    /// their own pixels (and whole), and validation runs tiled the same way; null: whole images.
    /// </summary>
    [JsonPropertyName("tile")] public int? Tile { get; init => field = value is null or >= 32 ? value : throw new SpotterException("--tile must be 'auto' or a size of at least 32 pixels"); }
    [JsonPropertyName("tile_overlap")] public float TileOverlap { get; init => field = new Inference.Tiling(null, value).Overlap; } = Inference.Tiling.DefaultOverlap;

    /// <summary>The tiling of <see cref="Tile"/>, or null.</summary>
    [JsonIgnore] public Inference.Tiling? Tiling => Tile is { } side ? new Inference.Tiling(side, TileOverlap) : null;

    /// <summary>The model this run trains, for a dataset with these classes.</summary>
    public ModelSpec ModelFor(IReadOnlyList<string> classes) => ModelSpec.For(Task, Backbone, classes, Size, Largest, Detector) with { Tile = Tile };

    /// <summary>The augmentation this run's training views get (none with <c>--no-augment</c>).</summary>
    public Data.Loading.AugmentOptions TrainingAugmentation() => Augment
        ? Data.Loading.AugmentOptions.ForTraining(Size, Task == ModelTask.Detect, Zoom, ColorJitter, Mosaic, MosaicScale, CopyPaste)
        : Data.Loading.AugmentOptions.None(Size);

    /// <summary>The checks that involve several settings; returns the config.</summary>
    public TrainConfig Validated()
    {
        if (FreezeEpochs > Epochs) throw new SpotterException($"--freeze-epochs must be between 0 and --epochs ({Epochs})");
        if (Tile is not null && Task != ModelTask.Detect) throw new SpotterException("--tile is for --task detect; a largest-object model sees each image whole");
        if (Negatives is not null && Task != ModelTask.Detect) throw new SpotterException("--negatives is for --task detect; a largest-object model needs an object in every image");
        if (Mosaic > 0 && Task != ModelTask.Detect) throw new SpotterException("--mosaic is for --task detect; a mosaic holds several objects, and a largest-object model predicts one");
        if (CopyPaste > 0 && Task != ModelTask.Detect) throw new SpotterException("--copy-paste is for --task detect; a paste adds an object, and a largest-object model predicts one");
        if (Mosaic == 0 && MosaicScale != Data.Loading.Mosaic.DefaultScale) throw new SpotterException("--mosaic-scale sizes a mosaic's images; give --mosaic P too");
        if (SizeFromData && Task != ModelTask.Detect) throw new SpotterException("the size is chosen from the data for --task detect only");
        return this;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));

    public static TrainConfig Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new SpotterException($"{folder}: no {FileName}; is this a run folder made by 'spotter train'?");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new SpotterException($"{path}: not a run configuration");
            var version = (int?)node["version"] ?? 1;
            if (version > CurrentVersion) throw new SpotterException($"{path}: made by a newer Spotter (version {version}); update Spotter");
            if (version == 1) node = Version1(node);
            if (node["detector"] is JsonObject detector) DetectorOptions.FillSettingsOlderThanTheFile(detector);
            return (node.Deserialize<TrainConfig>(Json) ?? throw new SpotterException($"{path}: empty")).Validated();
        }
        catch (JsonException e)
        {
            throw new SpotterException($"{path}:{(e.LineNumber ?? 0) + 1}: not a valid run configuration ({e.Message.Split(" Path:", 2)[0]})");
        }
        catch (SpotterException e) when (!e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new SpotterException($"{path}: {e.Message}");
        }
    }

    // Spotter 0.1 kept the head settings flat beside the rest (an old run resumes).
    private static JsonObject Version1(JsonObject old)
    {
        var upgraded = new JsonObject();
        var largest = new JsonObject();
        var detector = new JsonObject();
        var moves = new Dictionary<string, (JsonObject To, string Name)>
        {
            ["class_loss_weight"] = (largest, "class_loss_weight"), ["head_dropout"] = (largest, "head_dropout"), ["box_head"] = (largest, "box_head"),
            ["anchors"] = (detector, "anchors"), ["box_coder"] = (detector, "box_coder"), ["anchor_zooms"] = (detector, "anchor_zooms"),
            ["anchor_ratios"] = (detector, "anchor_ratios"), ["anchor_scale"] = (detector, "anchor_scale"),
        };
        foreach (var (key, value) in old)
        {
            if (moves.TryGetValue(key, out var move)) move.To[move.Name] = value?.DeepClone();
            else upgraded[key] = value?.DeepClone();
        }
        // Version 1 ignored the anchor shape settings with the lesson layout.
        if ((string?)detector["anchors"] == "lesson")
            foreach (var key in new[] { "anchor_zooms", "anchor_ratios", "anchor_scale" }) detector.Remove(key);
        upgraded["largest"] = largest;
        upgraded["detector"] = detector;
        upgraded["version"] = CurrentVersion;
        return upgraded;
    }
}
