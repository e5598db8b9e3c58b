using System.Globalization;
using System.Net;
using System.Text;
using SkiaSharp;
using Spotter.Data;
using Spotter.Evaluation;
using Spotter.Inference;
using Spotter.Models;
using Spotter.Runtime;
using Spotter.Training;
using Spotter.Visualization;

namespace Spotter.Reports;

/// <summary>
/// report.html: one self-contained page per run (pictures embedded as data URLs, no script, no
/// network), answering "why is my detector bad on this class?": the run and its settings, the
/// curves, quality by class, by size and as a confusion matrix with background, the data as the
/// model sees it (class counts, box sizes and shapes at the input, anchor coverage with the boxes
/// no anchor reaches drawn), and the worst images. Its metrics come from
/// <see cref="DetectorEvaluation.FromDetections"/>, the code behind <c>spotter eval</c>.
/// </summary>
public static class RunReport
{
    public const string FileName = "report.html";

    /// <summary>Detections shown in the confusion matrix and the worst images score at least this.</summary>
    public const float DisplayThreshold = 0.3f;

    private const int WorstCount = 6;

    /// <summary>What the page says, for callers and tests: the evaluation, the confusion and the coverage (null for largest-object tasks).</summary>
    public sealed record Contents(EvaluationReport Evaluation, DetectionConfusion? Confusion, AnchorCoverage? Coverage, IReadOnlyList<AnchorCoverage> CoverageBySize, IReadOnlyList<string> Sections);

    /// <summary>Writes the report of <paramref name="runFolder"/> on a split of <paramref name="dataset"/> to <paramref name="path"/> (default: report.html in the run).</summary>
    public static Contents Write(string runFolder, Dataset dataset, string split, string? path = null, string device = "auto", int batchSize = 16)
    {
        using var detector = Detector.Load(runFolder, device);
        var images = DetectorEvaluation.ImagesToScore(detector.Info, dataset, split);
        return Write(runFolder, detector, dataset, split, images, DetectorEvaluation.DetectAll(detector, images, batchSize), path);
    }

    /// <summary>
    /// The report for detections already made (the trainer's final evaluation): <paramref name="images"/>
    /// carry the model's class indices and <paramref name="found"/> their detections at threshold 0.
    /// </summary>
    public static Contents Write(string runFolder, Detector detector, Dataset dataset, string split, IReadOnlyList<ImageRecord> images,
        IReadOnlyList<IReadOnlyList<Detection>> found, string? path = null)
    {
        var evaluation = DetectorEvaluation.FromDetections(detector.Info, images, found);
        var isDetector = detector.Info.Task == ModelTask.Detect;
        var confusion = isDetector ? DetectionConfusion.Build(images, found, detector.Classes, DisplayThreshold) : null;
        // The data sections describe the whole dataset, in the model's classes.
        var all = isDetector ? DetectorEvaluation.ToModelClasses(dataset, dataset.Images, detector.Classes) : dataset.Images;
        var coverage = isDetector ? AnchorCoverage.Measure(all, detector.Classes, detector.Spec) : null;

        var page = new Page();
        var sections = new List<string>();
        void Section(string id, string title, Action body)
        {
            sections.Add(id);
            page.Raw($"<section id=\"{id}\"><h2>{Html(title)}</h2>");
            body();
            page.Raw("</section>");
        }
        var coverageBySize = isDetector ? CoverageBySize(all, detector.Spec) : [];
        Section("run", "The run", () => RunSection(page, runFolder, dataset, split, images.Count, detector, evaluation));
        Section("curves", "Curves", () => CurvesSection(page, runFolder));
        if (isDetector)
        {
            Section("quality", "Detection quality", () => QualitySection(page, evaluation.Map!, confusion!));
            Section("data", "The data as the model sees it", () => DataSection(page, dataset, detector.Classes, detector.Spec.InputSize, coverage!, coverageBySize));
            Section("worst", "The worst images", () => WorstSection(page, confusion!, detector.Classes, split));
        }
        else
        {
            Section("quality", "Quality", () => page.Table(["metric", "value"], evaluation.Metrics.Select(m => new[] { m.Key, Number(m.Value) })));
            Section("samples", "Samples", () => EmbedFile(page, Path.Combine(runFolder, "samples.png"), "validation images, truth next to prediction"));
        }
        AtomicFile.WriteAllText(path ?? Path.Combine(runFolder, FileName), page.Build($"Spotter report: {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(runFolder)))}"));
        return new Contents(evaluation, confusion, coverage, coverageBySize, sections);
    }

    private static void RunSection(Page page, string runFolder, Dataset dataset, string split, int imageCount, Detector detector, EvaluationReport evaluation)
    {
        var spec = detector.Spec;
        var rows = new List<string[]>
        {
            new[] { "run folder", Path.GetFullPath(runFolder) },
            new[] { "dataset", $"{dataset.Source} ({dataset.Format}), {dataset.Images.Count} images, {dataset.Classes.Count} classes" },
            new[] { "task, backbone, input", $"{spec.Task.Name()}, {spec.Backbone}, {spec.InputSize}x{spec.InputSize}" },
            new[] { "classes", string.Join(", ", spec.Classes) },
        };
        if (File.Exists(Path.Combine(runFolder, TrainConfig.FileName)))
        {
            var config = TrainConfig.Load(runFolder);
            rows.Add(["training", $"train split '{config.TrainSplit}', validation split '{config.ValidSplit}'; {config.Epochs} epochs ({config.FreezeEpochs} frozen), batch {config.Batch}, lr {config.LearningRate?.ToString("0.###e+0", CultureInfo.InvariantCulture) ?? "LR finder"}, {config.Schedule.Name()} schedule, {config.Optimizer.Name()}"]);
            rows.Add(["device and precision", $"{config.Device}, {config.Precision.Name()}" + (config.TimeBudgetSeconds is { } budget ? $"; time budget {budget / 60:0.#} min" : "")]);
        }
        var epochs = ReadMetrics(runFolder);
        if (epochs.Rows.Count > 0 && epochs.Header.Contains("seconds"))
            rows.Add(["training time", $"{epochs.Rows.Sum(r => double.Parse(r[epochs.Header.IndexOf("seconds")], CultureInfo.InvariantCulture)) / 60:0.0} min over {epochs.Rows.Count} epochs"]);
        rows.Add([$"metrics on '{split}' ({imageCount} images)", string.Join(", ", evaluation.Metrics.Select(m => $"{m.Key} {Number(m.Value)}"))]);
        page.Table(["", ""], rows, "kv");
    }

    private static void CurvesSection(Page page, string runFolder)
    {
        EmbedFile(page, Path.Combine(runFolder, "losses.png"), "training loss per batch and per epoch, validation loss per epoch");
        EmbedFile(page, Path.Combine(runFolder, "lr_find.png"), "the LR finder's sweep");
        var metrics = ReadMetrics(runFolder);
        if (metrics.Rows.Count == 0) return;
        page.Raw("<h3>Per epoch (metrics.csv)</h3>");
        if (metrics.Rows.Any(r => r.Contains("")))
            page.Raw("<p>A dash: the epoch ended without a validation pass (<code>--validate-every</code>).</p>");
        page.Table(metrics.Header, metrics.Rows.Select(r => r.Select(cell => cell.Length == 0 ? "-" : cell).ToArray()));
        foreach (var column in metrics.Header.Where(h => h is not ("epoch" or "phase" or "seconds")))
        {
            var index = metrics.Header.IndexOf(column);
            var values = metrics.Rows.Select(r => double.TryParse(r[index], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : double.NaN).ToList();
            page.Raw(Svg.Line(column, values));
        }
    }

    private static void QualitySection(Page page, MapReport map, DetectionConfusion confusion)
    {
        page.Raw("<h3>Average precision by class (IoU 0.5)</h3>");
        page.Table(["class", "AP@0.5"], map.PerClassAp50.OrderBy(c => c.Value).Select(c => new[] { c.Key, Number(c.Value) }));
        page.Raw("<h3>COCO AP (IoU 0.5:0.95) by object size, in the images' own pixels</h3>");
        page.Table(["all", "small (< 32x32)", "medium", "large (>= 96x96)"],
            [[Number(map.Map50To95), Number(map.MapSmall), Number(map.MapMedium), Number(map.MapLarge)]]);
        var curves = Path.Combine(Path.GetTempPath(), $"spotter-pr-{Environment.ProcessId}-{Guid.NewGuid():N}.png");
        try
        {
            Plots.PrecisionRecall(map.Curves, curves);
            EmbedFile(page, curves, "precision-recall per class at IoU 0.5");
        }
        finally
        {
            File.Delete(curves);
        }
        page.Raw($"<h3>Confusion matrix (detections scoring {DisplayThreshold:0.##} or more, matched at IoU {DetectionConfusion.MatchIou:0.#})</h3>");
        page.Raw("<p>Rows: the truth; columns: the prediction. The background column counts missed objects, the background row false detections.</p>");
        var labels = confusion.Labels;
        var max = Math.Max(1, labels.SelectMany((_, r) => labels.Select((_, c) => confusion.Counts[r, c])).Max());
        var html = new StringBuilder("<table class=\"matrix\"><tr><th>truth \\ predicted</th>");
        foreach (var label in labels) html.Append($"<th>{Html(label)}</th>");
        html.Append("</tr>");
        for (var r = 0; r < labels.Count; r++)
        {
            html.Append($"<tr><th>{Html(labels[r])}</th>");
            for (var c = 0; c < labels.Count; c++)
            {
                var count = confusion.Counts[r, c];
                var hue = r == c ? "120" : "0"; // right: green, wrong: red
                var alpha = count == 0 ? 0 : 0.15 + 0.6 * count / max;
                html.Append(CultureInfo.InvariantCulture, $"<td style=\"background:hsla({hue},70%,45%,{alpha:0.00})\">{count}</td>");
            }
            html.Append("</tr>");
        }
        page.Raw(html.Append("</table>").ToString());
    }

    /// <summary>Input sizes compared in the report's coverage table (and the run's own).</summary>
    public static readonly int[] ComparedSizes = [224, 320, 384, 512, 640];

    /// <summary>The same anchor settings at other input sizes: what <c>--size</c> would change.</summary>
    private static List<AnchorCoverage> CoverageBySize(IReadOnlyList<ImageRecord> images, ModelSpec spec) =>
        ComparedSizes.Append(spec.InputSize).Distinct().Order()
            .Select(size => AnchorCoverage.Measure(images, spec.Classes, spec with { InputSize = size })).ToList();

    /// <param name="modelClasses">The classes the coverage is counted in (the model's; the dataset's own tables use the dataset's).</param>
    private static void DataSection(Page page, Dataset dataset, IReadOnlyList<string> modelClasses, int inputSize, AnchorCoverage coverage, IReadOnlyList<AnchorCoverage> bySize)
    {
        page.Raw("<h3>Objects per class and split</h3>");
        var splits = dataset.Splits.Keys.ToList();
        page.Table(["class", "objects", "images", .. splits.Select(s => $"{s} objects")],
            DataCheck.PerClass(dataset).Select(c => new[] { c.Class, c.Objects.ToString(CultureInfo.InvariantCulture), c.Images.ToString(CultureInfo.InvariantCulture) }
                .Concat(splits.Select(s => c.PerSplit[s].ToString(CultureInfo.InvariantCulture))).ToArray()));
        var atInput = dataset.Images.SelectMany(i => i.Objects.Select(o => (o.ClassIndex, Box: o.Box.Scale((float)inputSize / i.Width, (float)inputSize / i.Height)))).ToList();
        page.Raw($"<h3>Box sizes and shapes at the {inputSize}x{inputSize} input</h3>");
        page.Raw(Svg.Histogram("box side (square root of area, input pixels)", atInput.Select(b => Math.Sqrt(b.Box.Area)).ToList(), [0, 8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 1024]));
        page.Raw(Svg.Histogram("aspect (width / height)", atInput.Select(b => (double)b.Box.Width / Math.Max(1e-6, b.Box.Height)).ToList(), [0, 0.25, 0.33, 0.5, 0.67, 0.8, 1.25, 1.5, 2, 3, 4, 100]));
        page.Raw("<h3>By class: median box side at the input</h3>");
        page.Table(["class", "boxes", "median side (px)", "smallest side (px)"], dataset.Classes.Select((name, c) =>
        {
            var sides = atInput.Where(b => b.ClassIndex == c).Select(b => Math.Sqrt(b.Box.Area)).Order().ToList();
            return new[] { name, sides.Count.ToString(CultureInfo.InvariantCulture), sides.Count == 0 ? "-" : sides[sides.Count / 2].ToString("0.#", CultureInfo.InvariantCulture), sides.Count == 0 ? "-" : sides[0].ToString("0.#", CultureInfo.InvariantCulture) };
        }));
        page.Raw($"<h3>Anchor coverage at {coverage.InputSize}x{coverage.InputSize}</h3>");
        page.Raw($"<p>A box is reached when some anchor has IoU {coverage.PositiveIou:0.##} or more with it; a box no anchor reaches is only ever taught as background.</p>");
        page.Table(["class", .. AnchorCoverage.Buckets, "all"], coverage.Rows.Select(r => r.Class).Distinct().Select(name =>
            new[] { name }.Concat(AnchorCoverage.Buckets.Append("all").Select(b => coverage.Rows.Single(r => r.Class == name && r.Bucket == b))
                .Select(r => r.Boxes == 0 ? "-" : $"{r.Reached} / {r.Boxes} ({r.Share.ToString("P0", CultureInfo.InvariantCulture)})")).ToArray()));
        page.Raw($"<p class=\"advice\">{Html(coverage.Advice() ?? "Coverage is good: at least 90 % of the boxes reach an anchor.")}</p>");
        page.Raw("<h3>Anchor coverage at other input sizes (same anchor settings)</h3>");
        page.Table(["input size", .. modelClasses, "all"], bySize.Select(c => new[] { $"{c.InputSize}x{c.InputSize}" + (c.InputSize == inputSize ? " (this run)" : "") }
            .Concat(modelClasses.Append("all").Select(name => c.Rows.Single(r => r.Class == name && r.Bucket == "all"))
                .Select(r => r.Boxes == 0 ? "-" : $"{r.Reached} / {r.Boxes} ({r.Share.ToString("P0", CultureInfo.InvariantCulture)})")).ToArray()));
        var withMissed = coverage.Unreached.GroupBy(m => m.Image).OrderByDescending(g => g.Count()).Take(4).ToList();
        if (withMissed.Count > 0)
        {
            var tiles = withMissed.Select(g => new GridTile(g.Key.Path,
                g.Select(m => new DrawnBox(m.Object.Box, $"{modelClasses[m.Object.ClassIndex]} IoU {m.BestIou:0.00}", SKColors.Red)).ToList(),
                $"{g.Key.Id}: {g.Count()} unreached")).ToList();
            using var grid = ImageGrid.Render(tiles, columns: Math.Min(4, tiles.Count), tileSize: 320);
            EmbedBitmap(page, grid, "boxes no anchor reaches, with their best IoU");
        }
    }

    private static void WorstSection(Page page, DetectionConfusion confusion, IReadOnlyList<string> classes, string split)
    {
        var worst = confusion.Worst(WorstCount);
        if (worst.Count == 0)
        {
            page.Raw($"<p>No image of '{Html(split)}' has a missed object or a false detection at this threshold.</p>");
            return;
        }
        page.Raw($"<p>The images of '{Html(split)}' with the most missed objects, then the most confident false detection; truth next to prediction (score {DisplayThreshold:0.##} or more).</p>");
        page.Table(["image", "file", "objects", "missed", "false detections", "most confident false"], worst.Select(o => new[]
        {
            o.Image.Id, o.Image.Path, o.Image.Objects.Count.ToString(CultureInfo.InvariantCulture), o.Missed.ToString(CultureInfo.InvariantCulture),
            o.FalseDetections.ToString(CultureInfo.InvariantCulture), o.FalseDetections == 0 ? "-" : o.WorstFalseScore.ToString("0.00", CultureInfo.InvariantCulture),
        }));
        using var sheet = SampleSheet.Render(worst.Select(o => o.Image).ToList(), worst.Select(o => o.Detections).ToList(), classes);
        EmbedBitmap(page, sheet, "the worst images: truth (left) and prediction (right)");
    }

    private static (List<string> Header, List<string[]> Rows) ReadMetrics(string runFolder)
    {
        var path = Path.Combine(runFolder, "metrics.csv");
        if (!File.Exists(path)) return ([], []);
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        if (lines.Count == 0) return ([], []);
        var header = lines[0].Split(',').ToList();
        return (header, lines.Skip(1).Select(l => l.Split(',')).Where(r => r.Length == header.Count).ToList());
    }

    private static void EmbedFile(Page page, string path, string caption)
    {
        if (!File.Exists(path)) return;
        page.Figure(Convert.ToBase64String(File.ReadAllBytes(path)), caption);
    }

    private static void EmbedBitmap(Page page, SKBitmap bitmap, string caption)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        page.Figure(Convert.ToBase64String(data.ToArray()), caption);
    }

    private static string Number(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.####", CultureInfo.InvariantCulture) : "n/a";

    internal static string Html(string text) => WebUtility.HtmlEncode(text);

    /// <summary>The page being written: a body of sections, then the whole document with its style.</summary>
    private sealed class Page
    {
        private readonly StringBuilder _body = new();

        public void Raw(string html) => _body.Append(html).Append('\n');

        public void Table(IEnumerable<string> header, IEnumerable<string[]> rows, string? cssClass = null)
        {
            _body.Append(cssClass is null ? "<table><tr>" : $"<table class=\"{cssClass}\"><tr>");
            foreach (var h in header) _body.Append($"<th>{Html(h)}</th>");
            _body.Append("</tr>");
            foreach (var row in rows)
            {
                _body.Append("<tr>");
                foreach (var cell in row) _body.Append($"<td>{Html(cell)}</td>");
                _body.Append("</tr>");
            }
            _body.Append("</table>\n");
        }

        public void Figure(string base64Png, string caption) =>
            _body.Append($"<figure><img src=\"data:image/png;base64,{base64Png}\" alt=\"{Html(caption)}\"><figcaption>{Html(caption)}</figcaption></figure>\n");

        public string Build(string title) => $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{{Html(title)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
            h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; } h3 { margin-top: 1.4em; }
            table { border-collapse: collapse; margin: .5em 0; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
            td:first-child, th:first-child, table.kv td { text-align: left; } table.matrix td { min-width: 4em; text-align: center; }
            figure { margin: 1em 0; } img { max-width: 100%; border: 1px solid #ddd; } figcaption { color: #666; font-size: .9em; }
            .advice { background: #fff6d6; padding: .5em; } svg { display: block; margin: .5em 0; }
            </style></head><body>
            <h1>{{Html(title)}}</h1>
            <p>Written by Spotter {{Html(SpotterInfo.Version)}} on {{DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}}. Self-contained: it opens offline.</p>
            {{_body}}
            </body></html>
            """;
    }
}
