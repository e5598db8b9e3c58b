using Spotter.Export;
using Spotter.Inference;
using Spotter.Models;
using Spotter.Models.Largest;
using Spotter.Models.Ssd;
using Spotter.Onnx;
using Spotter.Tests.Cli;
using Spotter.Tests.Training;
using Spotter.Training;
using TorchSharp;

namespace Spotter.Tests.Export;

/// <summary>
/// The exported graph computes what the TorchSharp model computes. The export itself compares
/// every anchor's scores and boxes (or the largest object's box) on ONNX Runtime with TorchSharp
/// and refuses to write when they differ; these tests add NMS, the output contract and the files.
/// </summary>
[Collection(nameof(SerialCollection))] // the trained detector's weights come from torch's global generator
public sealed class OnnxExportTests(TrainingFixture fixture) : IClassFixture<TrainingFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("spotter-onnx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string, ModelTask, string> Kinds() => new()
    {
        { "ssd", ModelTask.Detect, "default" },
        { "lesson-anchors", ModelTask.Detect, "lesson" },
        { "fpn", ModelTask.Detect, "fpn" },
        { "largest-cells", ModelTask.Largest, "cells" },
        { "largest-lesson", ModelTask.Largest, "lesson" },
        { "locate-cells", ModelTask.LocateLargest, "cells" },
        { "locate-lesson", ModelTask.LocateLargest, "lesson" },
        { "classify", ModelTask.ClassifyLargest, "lesson" },
    };

    private IImageModel Create(ModelTask task, string head, int size = 96)
    {
        torch.manual_seed(21);
        var spec = task == ModelTask.Detect
            ? ModelSpec.For(task, "tiny", fixture.Dataset.Classes, size, detector: head switch
            {
                "lesson" => new DetectorOptions { Anchors = AnchorLayout.Lesson, BoxCoder = BoxCoderKind.Lesson },
                "fpn" => new DetectorOptions { Neck = NeckKind.Fpn },
                _ => null,
            })
            : ModelSpec.For(task, "tiny", fixture.Dataset.Classes, size, new LargestHeadOptions { BoxHead = head == "cells" ? BoxHeadKind.Cells : BoxHeadKind.Lesson });
        var model = ModelFactory.Create(spec);
        model.Module.eval();
        return model;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_model_kind_exports_and_runs_on_onnx_runtime_under_the_contract(string name, ModelTask task, string head)
    {
        using var model = Create(task, head);
        var path = Path.Combine(_folder, name + ".onnx");
        var check = OnnxExport.Write(model, path);
        Assert.InRange(check.MaxScoreDifference, 0, 1e-3);
        Assert.InRange(check.MaxBoxDifference, 0, 0.5);

        using var onnx = OnnxDetector.Load(path);
        Assert.Equal((task, 96, "onnxruntime"), (onnx.Info.Task, onnx.Info.InputSize, onnx.Info.Backend));
        Assert.Equal(fixture.Dataset.Classes, onnx.Info.Classes);
        foreach (var key in new[] { "classes", "input_size", "task", "score_threshold", "nms_iou", "spotter_version" })
            Assert.True(onnx.Metadata.ContainsKey(key), $"metadata_props lacks {key}");

        var images = fixture.Dataset.Images.Take(3).Select(i => i.Path).ToList();
        var found = onnx.Detect(images, threshold: 0);
        Assert.Equal(3, found.Count);
        if (task == ModelTask.Detect) return; // NMS is compared on a trained detector below
        // One detection per image: the box within half a pixel and the score within 1e-3 of TorchSharp's.
        using var torchDetector = Detector.Over(model, torch.CPU);
        var expected = torchDetector.Detect(images, threshold: 0);
        for (var i = 0; i < 3; i++)
        {
            var (a, b) = (Assert.Single(expected[i]), Assert.Single(found[i]));
            Assert.Equal(a.Score, b.Score, 1e-3f);
            Assert.Equal(a.Box.X1, b.Box.X1, 0.5f);
            Assert.Equal(a.Box.Y1, b.Box.Y1, 0.5f);
            Assert.Equal(a.Box.X2, b.Box.X2, 0.5f);
            Assert.Equal(a.Box.Y2, b.Box.Y2, 0.5f);
            if (task == ModelTask.LocateLargest) Assert.Equal((Detection.Unclassified, -1), (b.Class, b.ClassIndex));
        }
    }

    [Fact]
    public void A_detector_trained_on_tiles_says_so_in_its_metadata_and_runs_tiled_on_onnx_runtime_too()
    {
        torch.manual_seed(21);
        using var model = ModelFactory.Create(ModelSpec.For(ModelTask.Detect, "tiny", fixture.Dataset.Classes, 96) with { Tile = 128 });
        model.Module.eval();
        var path = Path.Combine(_folder, "tiled.onnx");
        OnnxExport.Write(model, path);

        using var onnx = OnnxDetector.Load(path);

        Assert.Equal("128", onnx.Metadata["tile"]);
        Assert.Equal(128, onnx.Info.TrainedTile);
        Assert.Equal(128, onnx.Tiling?.TileSize);
    }

    [Fact]
    public void A_trained_detector_gives_the_same_detections_on_both_backends_with_and_without_box_voting()
    {
        torch.manual_seed(4);
        using var model = fixture.Detector(96, new DetectorOptions { BoxVotingIou = null });
        var loader = fixture.Loader(count: 8, size: 96, batch: 8);
        using (var learner = new Learner(model, loader, null, new LearnerOptions { WeightDecay = 0 }))
            learner.Fit(60, [3e-3], LrSchedule.OneCycle);
        model.eval();
        var path = Path.Combine(_folder, "trained.onnx");
        OnnxExport.Write(model, path);

        using var torchDetector = Detector.Over(model, torch.CPU);
        using var onnx = OnnxDetector.Load(path);
        var images = fixture.Dataset.Images.Take(8).Select(i => i.Path).ToList();
        var expected = torchDetector.Detect(images, threshold: 0.2f);
        AssertSameDetections(expected, onnx.Detect(images, threshold: 0.2f));
        Assert.True(expected.Sum(e => e.Count(d => d.Score > 0.5f)) >= 8, "the trained detector finds objects");

        // The same weights with box voting (the default): the graph votes as TorchSharp does, and voting moves boxes.
        using var voting = fixture.Detector(96, new DetectorOptions());
        voting.load_state_dict(model.state_dict());
        voting.eval();
        var votingPath = Path.Combine(_folder, "voting.onnx");
        OnnxExport.Write(voting, votingPath);
        using var votingTorch = Detector.Over(voting, torch.CPU);
        using var votingOnnx = OnnxDetector.Load(votingPath);
        var voted = votingTorch.Detect(images, threshold: 0.2f);
        AssertSameDetections(voted, votingOnnx.Detect(images, threshold: 0.2f));
        Assert.Equal(expected.Select(e => e.Select(d => (d.Class, d.Score))), voted.Select(e => e.Select(d => (d.Class, d.Score))));
        Assert.Contains(expected.Zip(voted).SelectMany(p => p.First.Zip(p.Second)), p => Math.Abs(p.First.Box.X1 - p.Second.Box.X1) > 0.5f);
    }

    private static void AssertSameDetections(IReadOnlyList<IReadOnlyList<Detection>> expected, IReadOnlyList<IReadOnlyList<Detection>> actual)
    {
        for (var i = 0; i < expected.Count; i++)
        {
            // Scores near the 0.3 cut may fall on either side on the two backends; away from it they must agree.
            AssertContained(expected[i].Where(d => d.Score > 0.31f), actual[i]);
            AssertContained(actual[i].Where(d => d.Score > 0.31f), expected[i]);
        }
    }

    /// <summary>Each detection has a partner of the same class, score within 1e-3 and corners within half a pixel.</summary>
    private static void AssertContained(IEnumerable<Detection> detections, IReadOnlyList<Detection> candidates)
    {
        foreach (var d in detections)
            Assert.True(candidates.Any(c => c.Class == d.Class && Math.Abs(c.Score - d.Score) < 1e-3f
                && Math.Abs(c.Box.X1 - d.Box.X1) < 0.5f && Math.Abs(c.Box.Y1 - d.Box.Y1) < 0.5f
                && Math.Abs(c.Box.X2 - d.Box.X2) < 0.5f && Math.Abs(c.Box.Y2 - d.Box.Y2) < 0.5f),
                $"{d.Class} {d.Score:0.000} {d.Box} has no partner among {string.Join("; ", candidates.Select(c => $"{c.Class} {c.Score:0.000} {c.Box}"))}");
    }

    [Fact]
    public void The_triton_repository_holds_the_model_and_a_config_for_the_onnxruntime_backend()
    {
        using var model = Create(ModelTask.Detect, "default");
        var repository = Path.Combine(_folder, "triton");
        var folder = TritonRepository.Write(model, repository, "shapes", new OnnxExport.Options(MaxDetections: 50));
        Assert.Equal(Path.Combine(repository, "shapes"), folder);
        using (var onnx = OnnxDetector.Load(Path.Combine(folder, "1", "model.onnx")))
            Assert.Equal(96, onnx.Info.InputSize);
        var config = File.ReadAllText(Path.Combine(folder, "config.pbtxt"));
        // Triton's model_config: name equal to the folder, the backend's platform, batching left to Triton
        // (dims without the batch dimension), the graph's input and output names and shapes.
        Assert.Contains("name: \"shapes\"", config);
        Assert.Contains("platform: \"onnxruntime_onnx\"", config);
        Assert.Contains("max_batch_size: 32", config);
        Assert.Contains("{ name: \"images\" data_type: TYPE_FP32 dims: [ 3, 96, 96 ] }", config);
        Assert.Contains("{ name: \"detections\" data_type: TYPE_FP32 dims: [ 50, 6 ] }", config);
        Assert.Contains("dynamic_batching {", config);
        Assert.Contains("string_value: \"[\\\"circle\\\"", config);
        Assert.Equal(config.Count(c => c == '{'), config.Count(c => c == '}'));
        Assert.Equal(config.Count(c => c == '['), config.Count(c => c == ']'));
    }

    [Fact]
    public void The_cli_exports_and_detect_and_eval_run_the_onnx_file()
    {
        using (var model = Create(ModelTask.Detect, "default"))
            ModelFile.Save(model, Path.Combine(_folder, "run"));
        var onnxPath = Path.Combine(_folder, "model.onnx");
        var (code, output, error) = CliRunner.Run("export", Path.Combine(_folder, "run"), "--out", onnxPath, "--max-detections", "20", "--score-threshold", "0.001");
        Assert.True(code == 0, error);
        Assert.Contains("ONNX Runtime vs TorchSharp", output);

        var image = fixture.Dataset.Images[0].Path;
        (code, _, error) = CliRunner.Run("detect", onnxPath, image, "--out", Path.Combine(_folder, "detect"), "--threshold", "0");
        Assert.True(code == 0, error);
        var entry = Assert.Single(ImageDetections.FromJson(File.ReadAllText(Path.Combine(_folder, "detect", ImageDetections.FileName))));
        Assert.Equal(20, entry.Detections.Count); // an untrained model scores everything near 0.01: K fills up

        var dataset = Path.GetDirectoryName(Path.GetDirectoryName(image))!;
        (code, output, error) = CliRunner.Run("eval", onnxPath, dataset, "--split", "all", "--json");
        Assert.True(code == 0, error);
        Assert.Contains("\"map50\"", output);
    }

    [Theory]
    [InlineData("--opset", "9", "opset")]
    [InlineData("--max-detections", "0", "--max-detections")]
    public void Bad_export_options_give_one_line(string option, string value, string expected)
    {
        using (var model = Create(ModelTask.Detect, "default"))
            ModelFile.Save(model, Path.Combine(_folder, "bad"));
        var (code, _, error) = CliRunner.Run("export", Path.Combine(_folder, "bad"), "--out", Path.Combine(_folder, "bad.onnx"), option, value);
        Assert.Equal(1, code);
        Assert.Contains(expected, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_folder, "bad.onnx")));
    }

    [Fact]
    public void An_onnx_file_that_is_not_a_spotter_model_is_refused_with_one_line()
    {
        var foreign = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18.onnx");
        var error = Assert.Throws<SpotterException>(() => OnnxDetector.Load(foreign));
        Assert.Contains("not a Spotter model", error.Message);
        var garbage = Path.Combine(_folder, "garbage.onnx");
        File.WriteAllText(garbage, "not a protobuf");
        Assert.Contains("garbage.onnx", Assert.Throws<SpotterException>(() => OnnxDetector.Load(garbage)).Message);
    }
}
