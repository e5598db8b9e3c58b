using System.Text.Json;
using System.Text.Json.Serialization;
using Spotter.Runtime;

namespace Spotter.Training;

/// <summary>config.json: everything a training run was asked to do, enough to repeat or resume it.</summary>
public sealed record TrainConfig
{
    [JsonPropertyName("dataset")] public required string Dataset { get; init; }
    [JsonPropertyName("task")] public required string Task { get; init; }
    [JsonPropertyName("backbone")] public string Backbone { get; init; } = "resnet18-imagenet";
    [JsonPropertyName("epochs")] public int Epochs { get; init; } = 6;
    /// <summary>Epochs with the body frozen, before the rest unfrozen with differential rates.</summary>
    [JsonPropertyName("freeze_epochs")] public int FreezeEpochs { get; init; } = 2;
    [JsonPropertyName("size")] public int Size { get; init; } = 224;
    [JsonPropertyName("batch")] public int Batch { get; init; } = 32;
    /// <summary>The head's maximum learning rate; null: take the LR finder's suggestion.</summary>
    [JsonPropertyName("lr")] public double? LearningRate { get; init; }
    [JsonPropertyName("schedule")] public string Schedule { get; init; } = "one-cycle";
    [JsonPropertyName("optimizer")] public string Optimizer { get; init; } = "adamw";
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 1e-2;
    [JsonPropertyName("clip_norm")] public double GradientClipNorm { get; init; }
    [JsonPropertyName("class_loss_weight")] public double ClassLossWeight { get; init; } = 20;
    /// <summary>Multiplies the head's dropout probabilities: 1 as in the lessons, 0 none.</summary>
    [JsonPropertyName("head_dropout")] public double HeadDropout { get; init; } = 1;
    /// <summary>locate-largest and largest: "cells" (per-cell proposals) or the lessons' "lesson" (flatten -> linear).</summary>
    [JsonPropertyName("box_head")] public string BoxHead { get; init; } = Models.Largest.LargestObjectHeads.Cells;
    /// <summary>detect: "default" (strides 8-64) or "lesson" (4x4, 2x2, 1x1) anchors.</summary>
    [JsonPropertyName("anchors")] public string Anchors { get; init; } = "default";
    /// <summary>detect: "ssd" offsets or the lesson's "lesson" tanh decoding.</summary>
    [JsonPropertyName("box_coder")] public string BoxCoder { get; init; } = "ssd";
    /// <summary>detect, default anchors: zooms and width/height ratios at every cell, and the anchor width in cells at zoom 1.</summary>
    [JsonPropertyName("anchor_zooms")] public IReadOnlyList<double>? AnchorZooms { get; init; }
    [JsonPropertyName("anchor_ratios")] public IReadOnlyList<double>? AnchorRatios { get; init; }
    [JsonPropertyName("anchor_scale")] public double AnchorScale { get; init; } = 3;
    [JsonPropertyName("train_split")] public string TrainSplit { get; init; } = "train";
    [JsonPropertyName("valid_split")] public string ValidSplit { get; init; } = "val";
    [JsonPropertyName("augment")] public bool Augment { get; init; } = true;
    [JsonPropertyName("patience")] public int Patience { get; init; }
    [JsonPropertyName("device")] public string Device { get; init; } = "auto";
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("images")] public string? ImageFolder { get; init; }

    public const string FileName = "config.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string folder) => AtomicFile.WriteAllText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Json));

    public static TrainConfig Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new SpotterException($"{folder}: no {FileName}; is this a run folder made by 'spotter train'?");
        try
        {
            return JsonSerializer.Deserialize<TrainConfig>(File.ReadAllText(path), Json) ?? throw new SpotterException($"{path}: empty");
        }
        catch (JsonException e)
        {
            throw new SpotterException($"{path}:{(e.LineNumber ?? 0) + 1}: not a valid run configuration ({e.Message.Split(" Path:", 2)[0]})");
        }
    }

    /// <summary>Refuses settings that cannot work, naming the option.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new SpotterException("--epochs must be at least 1");
        if (FreezeEpochs < 0 || FreezeEpochs > Epochs) throw new SpotterException($"--freeze-epochs must be between 0 and --epochs ({Epochs})");
        if (Size < 32 || Size % 32 != 0) throw new SpotterException($"--size must be a multiple of 32 (the body's stride), got {Size}");
        if (Anchors is not ("default" or "lesson")) throw new SpotterException($"unknown --anchors '{Anchors}'; choose default or lesson");
        if (AnchorZooms is { } z && (z.Count == 0 || z.Any(v => v <= 0))) throw new SpotterException("--anchor-zooms must be positive numbers");
        if (AnchorRatios is { } r && (r.Count == 0 || r.Any(v => v <= 0))) throw new SpotterException("--anchor-ratios must be positive numbers");
        if (AnchorScale <= 0) throw new SpotterException("--anchor-scale must be positive");
        Models.Largest.LargestObjectHeads.CheckBoxHead(BoxHead);
        if (BoxCoder is not ("ssd" or "lesson")) throw new SpotterException($"unknown --box-coder '{BoxCoder}'; choose ssd or lesson");
        if (Batch < 2) throw new SpotterException("--batch must be at least 2 (batch norm needs two images)");
        if (LearningRate is <= 0) throw new SpotterException("--lr must be positive");
        if (HeadDropout < 0 || HeadDropout > 1.5) throw new SpotterException("--head-dropout must be between 0 and 1.5 (it multiplies the lessons' 0.25 and 0.5)");
        LrSchedule.Parse(Schedule);
        if (Optimizer is not ("adamw" or "sgd")) throw new SpotterException($"unknown optimizer '{Optimizer}'; choose adamw or sgd");
    }
}
