using System.Text.Json;
using PuppeteerSharp;
using Spotter.Boxes;
using Spotter.Data;
using Spotter.Data.Synthetic;
using Spotter.Models;
using Spotter.Models.Backbones;
using Spotter.Models.Ssd;
using Spotter.Reports;
using Spotter.Tests.Cli;
using Spotter.Tests.Server;

namespace Spotter.Tests.Reports;

/// <summary>report.html: written by train and by `spotter report`, its numbers from eval's code, and it opens offline in a real browser.</summary>
public sealed class ReportTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("spotter-report-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string TrainDetector()
    {
        var source = SyntheticDataset.Load(new SyntheticOptions(Count: 24, Size: 96, Seed: 5), Path.Combine(_root, "cache"));
        var dataset = Path.GetDirectoryName(Path.GetDirectoryName(source.Images[0].Path))!;
        var run = Path.Combine(_root, "run");
        var (code, output, error) = CliRunner.Run("train", dataset, "--task", "detect", "--backbone", "tiny", "--size", "64", "--batch", "8",
            "--epochs", "1", "--freeze-epochs", "0", "--lr", "1e-3", "--out", run, "--device", "cpu");
        Assert.True(code == 0, error + output);
        Assert.Contains("Anchor coverage at 64x64:", output);
        return run;
    }

    [Fact]
    public async Task Train_writes_a_report_whose_numbers_are_evals_and_that_opens_offline_in_chromium()
    {
        var run = TrainDetector();
        Assert.True(File.Exists(Path.Combine(run, RunReport.FileName)), "train writes report.html");

        var page = Path.Combine(_root, "again.html");
        var (code, output, error) = CliRunner.Run("report", run, "--out", page, "--device", "cpu");
        Assert.True(code == 0, error);
        Assert.Contains("run, curves, quality, data, worst", output);
        var dataset = TrainConfigDataset(run);
        var eval = CliRunner.Run("eval", run, dataset, "--split", "val", "--json", "--device", "cpu");
        Assert.True(eval.Code == 0, eval.Error);
        using var evalJson = JsonDocument.Parse(eval.Output);
        var html = await File.ReadAllTextAsync(page);
        // eval's numbers, as the report prints them.
        Assert.Contains($"map50 {Format(evalJson.RootElement.GetProperty("map50").GetDouble())}", html);
        Assert.Contains($"map50_95 {Format(evalJson.RootElement.GetProperty("map50_95").GetDouble())}", html);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));
        Assert.DoesNotContain("https://", html);

        await using var browser = await WebPageTests.LaunchChromium(Path.Combine(_root, "profile"));
        await using var tab = await browser.NewPageAsync();
        var problems = new List<string>();
        tab.Console += (_, e) => { if (e.Message.Type == ConsoleType.Error) problems.Add(e.Message.Text); };
        tab.PageError += (_, e) => problems.Add(e.Message);
        tab.RequestFailed += (_, e) => problems.Add($"failed: {e.Request.Url}");
        await tab.GoToAsync(new Uri(page).AbsoluteUri, WaitUntilNavigation.Load);

        var images = await tab.EvaluateExpressionAsync<int>("document.images.length");
        var loaded = await tab.EvaluateExpressionAsync<int>("[...document.images].filter(i => i.complete && i.naturalWidth > 0).length");
        Assert.True(images >= 4, $"{images} pictures");
        Assert.Equal(images, loaded);
        foreach (var section in new[] { "run", "curves", "quality", "data", "worst" })
            Assert.True(await tab.EvaluateExpressionAsync<bool>($"document.getElementById('{section}') !== null"), $"section {section} missing");
        Assert.Contains("Confusion matrix", await tab.EvaluateExpressionAsync<string>("document.getElementById('quality').textContent"));
        Assert.Contains("Anchor coverage", await tab.EvaluateExpressionAsync<string>("document.getElementById('data').textContent"));
        Assert.Empty(problems);
    }

    private static string Format(double value) => value.ToString("0.####", System.Globalization.CultureInfo.InvariantCulture);

    private static string TrainConfigDataset(string run)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json")));
        return config.RootElement.GetProperty("dataset").GetString()!;
    }

    [Theory]
    [InlineData(224)]
    [InlineData(320)]
    public void Coverage_reads_the_same_anchor_grid_off_the_tiny_resnet_as_off_resnet18(int size)
    {
        string[] classes = ["a"];
        using var tiny = (SsdModel)ModelFactory.CreateUntrained(ModelSpec.For(ModelTask.Detect, "tiny", classes, size));
        using var resnet = (SsdModel)ModelFactory.CreateUntrained(ModelSpec.For(ModelTask.Detect, BackboneCatalog.ImageNetResNet18, classes, size));

        Assert.Equal(resnet.AnchorBoxes.shape, tiny.AnchorBoxes.shape);
        Assert.Equal(resnet.AnchorBoxes.data<float>().ToArray(), tiny.AnchorBoxes.data<float>().ToArray());
    }

    [Fact]
    public void Coverage_counts_a_box_reached_only_when_an_anchor_has_the_positive_iou()
    {
        using var model = (SsdModel)ModelFactory.CreateUntrained(ModelSpec.For(ModelTask.Detect, "tiny", ["cell"], 128));
        var anchor = model.AnchorBoxes[0].data<float>().ToArray();
        var onAnchor = new Box(anchor[0], anchor[1], anchor[2], anchor[3]).ClipTo(128, 128);
        var image = new ImageRecord("x", "x.jpg", 128, 128, [new LabeledBox(0, onAnchor), new LabeledBox(0, new Box(60, 60, 61, 61))]);

        var coverage = AnchorCoverage.Measure([image], ["cell"], model.AnchorBoxes, 128, positiveIou: 0.5);

        Assert.Equal((2, 1), (coverage.Total.Boxes, coverage.Total.Reached));
        var missed = Assert.Single(coverage.Unreached);
        Assert.Equal(new Box(60, 60, 61, 61), missed.Object.Box);
        Assert.Equal(1, coverage.Rows.Single(r => r.Class == "cell" && r.Bucket == "small").Boxes - coverage.Rows.Single(r => r.Class == "cell" && r.Bucket == "small").Reached);
        Assert.Contains("small", coverage.Advice());
    }

    [Fact]
    public void Training_advice_names_the_smallest_size_at_which_every_class_reaches_its_anchors()
    {
        // A 16 x 16 px object in a 640 px photo: 3 px at a 128 px input, where no anchor reaches it.
        var image = new ImageRecord("x", "x.jpg", 640, 640, [new LabeledBox(0, new Box(300, 300, 316, 316)), new LabeledBox(1, new Box(100, 100, 400, 400))]);
        var spec = ModelSpec.For(ModelTask.Detect, "tiny", ["dot", "cell"], 128);

        var advice = AnchorCoverage.TrainingAdvice([image], spec);
        var atFullSize = AnchorCoverage.TrainingAdvice([image], spec with { InputSize = 640 });

        Assert.StartsWith("Anchor coverage at 128x128: 50.0 % of the training boxes reach an anchor", advice);
        Assert.Contains("fewest: dot 0.0 %", advice);
        Assert.Matches(@"At --size (\d+) every class reaches 95 %", advice);
        Assert.Contains("fewest: dot 100.0 %", atFullSize);
        Assert.DoesNotContain("--size", atFullSize);
    }

    [Fact]
    public void The_size_from_the_data_is_the_smallest_choice_at_which_every_class_reaches_95_percent()
    {
        var spec = ModelSpec.For(ModelTask.Detect, "tiny", ["dot", "cell"], 128);
        // A 16 px dot in a 640 px photo is 5.6 px at 224: out of reach; the size grows until it is reached.
        var photo = new ImageRecord("x", "x.jpg", 640, 640, [new LabeledBox(0, new Box(300, 300, 316, 316)), new LabeledBox(1, new Box(100, 100, 400, 400))]);
        var large = new ImageRecord("y", "y.jpg", 640, 640, [new LabeledBox(1, new Box(100, 100, 400, 400))]);

        var (size, reason) = AnchorCoverage.ChooseSize([photo], spec);
        var (plain, _) = AnchorCoverage.ChooseSize([large], spec);

        Assert.Equal(224, plain);
        Assert.True(size > 224, reason);
        Assert.True(AnchorCoverage.Measure([photo], spec.Classes, spec with { InputSize = size }).WorstClassShare >= 0.95);
        var smaller = AnchorCoverage.SizeChoices.TakeWhile(s => s < size).ToList();
        Assert.All(smaller, s => Assert.True(AnchorCoverage.Measure([photo], spec.Classes, spec with { InputSize = s }).WorstClassShare < 0.95, $"{s} already reaches"));
        Assert.StartsWith($"--size {size} from the data", reason);
    }

    [Fact]
    public void When_no_size_reaches_the_objects_the_best_is_taken_and_tiling_suggested()
    {
        var spec = ModelSpec.For(ModelTask.Detect, "tiny", ["speck"], 128);
        var huge = new ImageRecord("z", "z.jpg", 8000, 8000, [new LabeledBox(0, new Box(4000, 4000, 4012, 4012))]); // under 1 px at 512

        var (size, reason) = AnchorCoverage.ChooseSize([huge], spec);

        Assert.Contains(size, AnchorCoverage.SizeChoices);
        Assert.Contains("try --tile", reason);
    }

    [Fact]
    public void The_confusion_matrix_counts_matches_confusions_misses_and_false_detections()
    {
        string[] classes = ["cat", "dog"];
        var image = new ImageRecord("x", "x.jpg", 100, 100,
            [new LabeledBox(0, new Box(0, 0, 20, 20)), new LabeledBox(1, new Box(50, 50, 80, 80)), new LabeledBox(1, new Box(0, 60, 10, 70))]);
        IReadOnlyList<Detection> found =
        [
            Detection.Of(0, 0.9f, new Box(0, 0, 20, 21), classes),   // cat as cat
            Detection.Of(0, 0.8f, new Box(50, 50, 80, 79), classes), // dog as cat
            Detection.Of(1, 0.7f, new Box(30, 0, 45, 15), classes),  // nothing there: a false dog
            Detection.Of(1, 0.1f, new Box(0, 60, 10, 70), classes),  // below the threshold: the dog there is missed
        ];

        var confusion = DetectionConfusion.Build([image], [found], classes, threshold: 0.3f);

        Assert.Equal(1, confusion.Counts[0, 0]);
        Assert.Equal(1, confusion.Counts[1, 0]);
        Assert.Equal(1, confusion.Counts[2, 1]); // background row: false detection of dog
        Assert.Equal(1, confusion.Counts[1, 2]); // background column: a missed dog
        Assert.Equal(4, confusion.Counts.Cast<int>().Sum());
        var outcome = Assert.Single(confusion.Worst(5));
        Assert.Equal((1, 1, 0.7f), (outcome.Missed, outcome.FalseDetections, outcome.WorstFalseScore));
    }
}
