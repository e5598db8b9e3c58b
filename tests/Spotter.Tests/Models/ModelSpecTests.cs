using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spotter.Models;
using Spotter.Models.Largest;
using Spotter.Models.Ssd;
using Spotter.Settings;
using Spotter.Tests.Cli;
using Spotter.Training;

namespace Spotter.Tests.Models;

/// <summary>The typed model description: checked when made, saved as model.json, old files still read.</summary>
public sealed class ModelSpecTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-spec-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // model.json as Spotter 0.1 wrote it for the demo's detector.
    private const string Version1Detector = """
        {
          "format": "spotter-model", "version": 1, "task": "detect", "backbone": "resnet18-imagenet",
          "classes": ["circle", "cross", "rectangle", "star", "triangle"], "input_size": 256,
          "class_loss_weight": 20, "head_dropout": 1, "box_head": "lesson",
          "detector": { "Anchors": "default", "Coder": "ssd", "PositiveIou": 0.5, "NegativeIou": 0.4, "FocalAlpha": 0.25,
            "FocalGamma": 2, "ScoreThreshold": 0.05, "NmsIou": 0.5, "MaxDetections": 100, "Zooms": null, "Ratios": [1, 2], "AnchorScale": 3 },
          "spotter_version": "0.1.0"
        }
        """;

    [Fact]
    public void A_version_1_detector_description_reads_as_the_same_model()
    {
        var spec = ModelSpec.Parse(Version1Detector, "model.json");
        Assert.Equal(ModelTask.Detect, spec.Task);
        Assert.Null(spec.Largest);
        var detector = spec.DetectorSettings;
        Assert.Equal((AnchorLayout.Default, BoxCoderKind.Ssd), (detector.Anchors, detector.BoxCoder));
        Assert.Equal([0.7, 1.0, 1.4], detector.Zooms); // null: the layout's default, as version 1 meant
        Assert.Equal([1.0, 2.0], detector.Ratios);
        Assert.Equal(3, detector.Scale);
        Assert.Equal((0.5, 0.4, 100, 256), (detector.PositiveIou, detector.NegativeIou, detector.MaxDetections, spec.InputSize));
        Assert.Null(detector.BoxVotingIou); // decoded as it was then: without box voting
    }

    [Fact]
    public void Box_voting_is_on_for_new_detectors_and_off_for_descriptions_written_before_it()
    {
        Assert.Equal(DetectorOptions.DefaultBoxVotingIou, new DetectorOptions().BoxVotingIou);
        Assert.Null(new DetectorOptions { BoxVotingIou = 0 }.BoxVotingIou); // --box-voting 0
        var spec = ModelSpec.For(ModelTask.Detect, "tiny", ["a"], 128);
        var text = JsonSerializer.Serialize(spec, ModelSpec.Json);
        Assert.Equal(0.7, ModelSpec.Parse(text, "model.json").DetectorSettings.BoxVotingIou);
        var before = JsonNode.Parse(text)!;
        Assert.True(before["detector"]!.AsObject().Remove("box_voting_iou"));
        Assert.Null(ModelSpec.Parse(before.ToJsonString(), "model.json").DetectorSettings.BoxVotingIou);
        var off = ModelSpec.For(ModelTask.Detect, "tiny", ["a"], 128, detector: new DetectorOptions { BoxVotingIou = null });
        Assert.Null(ModelSpec.Parse(JsonSerializer.Serialize(off, ModelSpec.Json), "model.json").DetectorSettings.BoxVotingIou);
    }

    [Fact]
    public void A_version_1_lesson_layout_keeps_the_lesson_anchors_and_an_old_largest_model_its_lesson_head()
    {
        var lesson = ModelSpec.Parse(Version1Detector.Replace("\"Anchors\": \"default\"", "\"Anchors\": \"lesson\""), "model.json");
        Assert.Equal([0.7, 1.0, 1.3], lesson.DetectorSettings.Zooms);
        Assert.Equal([1.0, 0.5, 2.0], lesson.DetectorSettings.Ratios); // version 1 ignored Ratios with the lesson layout
        Assert.Equal(1, lesson.DetectorSettings.Scale);

        const string oldLargest = """{"format": "spotter-model", "version": 1, "task": "largest", "backbone": "tiny", "classes": ["a"], "input_size": 64, "class_loss_weight": 5, "head_dropout": 0.5}""";
        var largest = ModelSpec.Parse(oldLargest, "model.json");
        Assert.Equal(BoxHeadKind.Lesson, largest.LargestHead.BoxHead); // before the cells head existed
        Assert.Equal((5.0, 0.5), (largest.LargestHead.ClassLossWeight, largest.LargestHead.HeadDropout));
        Assert.Null(largest.Detector);
    }

    [Fact]
    public void A_description_round_trips_through_its_file()
    {
        var spec = ModelSpec.For(ModelTask.Detect, "tiny", ["a", "b"], 128, detector: new DetectorOptions { HeadWidth = 64, AnchorZooms = [1.0, 2.0], NmsIou = 0.45 });
        var text = JsonSerializer.Serialize(spec, ModelSpec.Json);
        Assert.Contains("\"anchors\": \"default\"", text);
        Assert.DoesNotContain("\"largest\"", text);
        Assert.Equal(text, JsonSerializer.Serialize(ModelSpec.Parse(text, "model.json"), ModelSpec.Json));
    }

    [Theory]
    [InlineData("\"input_size\": 256", "\"input_size\": 100", "multiple of 32")]
    [InlineData("\"NegativeIou\": 0.4", "\"NegativeIou\": 0.6", "must not exceed")]
    [InlineData("\"Coder\": \"ssd\"", "\"Coder\": \"tanh\"", "model.json")]
    [InlineData("\"version\": 1", "\"version\": 9", "newer Spotter")]
    public void A_bad_description_is_refused_with_one_line_naming_the_file(string from, string to, string expected)
    {
        var error = Assert.Throws<SpotterException>(() => ModelSpec.Parse(Version1Detector.Replace(from, to), "runs/x/model.json"));
        Assert.StartsWith("runs/x/model.json", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("\n", error.Message);
    }

    [Fact]
    public void Settings_are_checked_when_set()
    {
        Assert.Contains("--size", Assert.Throws<SpotterException>(() => new TrainConfig { Dataset = "d", Task = ModelTask.Detect, Size = 48 }).Message);
        Assert.Contains("--anchor-scale", Assert.Throws<SpotterException>(() => new DetectorOptions { AnchorScale = 0 }).Message);
        Assert.Contains("--anchor-ratios", Assert.Throws<SpotterException>(() => new DetectorOptions { AnchorRatios = [] }).Message);
        Assert.Contains("--neck fpn", Assert.Throws<SpotterException>(() => new DetectorOptions { Neck = NeckKind.Fpn, Anchors = AnchorLayout.Lesson }.Validated()).Message);
        Assert.Contains("--head-dropout", Assert.Throws<SpotterException>(() => new LargestHeadOptions { HeadDropout = 2 }).Message);
        Assert.Contains("--freeze-epochs", Assert.Throws<SpotterException>(() => new TrainConfig { Dataset = "d", Task = ModelTask.Detect, Epochs = 2, FreezeEpochs = 3 }.Validated()).Message);
    }

    [Fact]
    public void A_version_1_run_configuration_resumes_with_its_settings()
    {
        File.WriteAllText(Path.Combine(_folder, TrainConfig.FileName), """
            {"dataset": "synthetic", "task": "locate-largest", "backbone": "tiny", "epochs": 3, "freeze_epochs": 1, "size": 64, "batch": 8,
             "lr": 0.001, "schedule": "sgdr", "optimizer": "sgd", "weight_decay": 0.01, "clip_norm": 0, "class_loss_weight": 20,
             "head_dropout": 0.5, "box_head": "cells", "anchors": "default", "box_coder": "lesson", "anchor_zooms": null,
             "anchor_ratios": [1, 2], "anchor_scale": 2, "train_split": "train", "valid_split": "val", "augment": true,
             "patience": 0, "device": "cpu", "seed": 4, "images": null}
            """);
        var config = TrainConfig.Load(_folder);
        Assert.Equal((ModelTask.LocateLargest, ScheduleKind.Sgdr, OptimizerKind.Sgd, 4), (config.Task, config.Schedule, config.Optimizer, config.Seed));
        Assert.Equal((BoxHeadKind.Cells, 0.5), (config.Largest.BoxHead, config.Largest.HeadDropout));
        Assert.Equal((BoxCoderKind.Lesson, 2.0), (config.Detector.BoxCoder, config.Detector.Scale));
        Assert.Equal([1.0, 2.0], config.Detector.Ratios);
        Assert.Null(config.Detector.BoxVotingIou); // a run from before box voting resumes without it
    }

    [Fact]
    public void Every_settings_option_is_on_the_train_command()
    {
        var (_, help, _) = CliRunner.Run("train", "--help");
        var declared = typeof(DetectorOptions).GetProperties().Concat(typeof(LargestHeadOptions).GetProperties())
            .Select(p => p.GetCustomAttribute<CliOptionAttribute>()?.Name).OfType<string>().ToList();
        Assert.Contains("--head-width", declared);
        Assert.All(declared, name => Assert.Contains(name, help));
    }
}
