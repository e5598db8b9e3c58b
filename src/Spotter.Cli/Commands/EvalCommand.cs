using System.CommandLine;
using System.Text.Json;
using Spotter.Data;
using Spotter.Evaluation;

namespace Spotter.Cli.Commands;

/// <summary>`spotter eval`: a trained model's metrics on a dataset split.</summary>
public static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("MODEL") { Description = "A run folder made by 'spotter train', its model.json, or a model.onnx from 'spotter export'" };
        var dataset = DataCommand.DatasetArgument();
        var split = new Option<string>("--split") { Description = "train, val, test, trainval or all, or a .txt/.csv file listing the images", DefaultValueFactory = _ => "test" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 16, Description = "Batch size" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var precision = ModelOpener.PrecisionOption();
        var tiles = new TileOptions();
        var tta = new Option<bool>("--tta") { Description = "Test-time flip: also run each image mirrored left-right and fuse the two answers (twice the compute)" };
        var images = DataCommand.ImagesOption();
        var metric = new Option<string>("--metric") { Description = "detect: which mAP the table leads with: voc (all-point, IoU 0.5), voc07 (11-point) or coco (0.5:0.95); --json prints all", DefaultValueFactory = _ => "voc" };
        metric.AcceptOnlyFromAmong("voc", "voc07", "coco");
        var command = new Command("eval", "Measure a trained model on a dataset split: mAP for detection; accuracy, L1 and mean IoU for the largest-object tasks.")
            { run, dataset, split, json, batch, device, images, metric, precision, tta };
        foreach (var option in tiles.All) command.Options.Add(option);
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            using var detector = ModelOpener.Open(parse.GetValue(run)!, parse.GetValue(device)!, ModelOpener.ParsePrecision(parse.GetValue(precision)!));
            detector.TestTimeFlip = parse.GetValue(tta);
            tiles.Apply(parse, detector, error);
            var data = DatasetLoader.Load(parse.GetValue(dataset)!, parse.GetValue(images));
            var splitName = parse.GetValue(split)!;
            var report = DetectorEvaluation.Run(detector, data, splitName, Math.Max(1, parse.GetValue(batch)), Progress.Line(error, "images"),
                problem => error.WriteLine($"spotter: warning: {problem}; left out of the evaluation"));
            if (TrainingImagesAmong(parse.GetValue(run)!, parse.GetValue(dataset)!, data, splitName) is { Shared: > 0 } overlap)
                error.WriteLine($"spotter: warning: {overlap.Shared} of the {overlap.Scored} images of '{splitName}' are in the run's training split '{overlap.TrainSplit}' (config.json): these are not held-out numbers");
            if (parse.GetValue(json)) output.WriteLine(JsonSerializer.Serialize(report.ToJson()));
            else Print(report, parse.GetValue(metric)!, data.Source, splitName, output);
            return SpotterCli.Success;
        }));
        return command;
    }

    /// <summary>
    /// How many of a split's images the model trained on, when it comes from a run folder whose
    /// config.json names this dataset: a score on them is not a held-out number (a model trained
    /// on Spotter's random 80 % of raccoon and scored on the published test list, say). Null when
    /// the run's training images cannot be known.
    /// </summary>
    private static (int Shared, int Scored, string TrainSplit)? TrainingImagesAmong(string model, string datasetSpec, Dataset data, string split)
    {
        var folder = Directory.Exists(model) ? model : Path.GetDirectoryName(Path.GetFullPath(model))!;
        if (!File.Exists(Path.Combine(folder, Training.TrainConfig.FileName))) return null;
        try
        {
            var config = Training.TrainConfig.Load(folder);
            if (!DatasetLoader.SameData(config.Dataset, datasetSpec)) return null;
            var scored = DatasetSplits.Select(data, split);
            return (DatasetSplits.CountShared(DatasetSplits.Select(data, config.TrainSplit), scored), scored.Count, config.TrainSplit);
        }
        catch (SpotterException)
        {
            return null; // a damaged config.json or a training list that is gone: the model itself still scores
        }
    }

    private static void Print(EvaluationReport report, string metric, string source, string split, TextWriter output)
    {
        output.WriteLine($"{report.Task.Name()} model on {source}, split {split}: {report.Images} images");
        if (report.Map is not { } map)
        {
            foreach (var (name, value) in report.Metrics)
                output.WriteLine($"  {name,-9} {value:0.####}{(name == "l1" ? " px at the model's input size" : "")}");
            return;
        }
        var (title, lead) = metric switch
        {
            "voc07" => ("mAP@0.5 (VOC07 11-point)", map.Map50Voc07),
            "coco" => ("mAP@[.5:.95] (COCO)", map.Map50To95),
            _ => ("mAP@0.5 (VOC all-point)", map.Map50),
        };
        output.WriteLine($"  {title,-26} {lead:0.####}");
        output.WriteLine($"  mAP@0.5 all-point / 11-point / COCO 0.5:0.95: {map.Map50:0.####} / {map.Map50Voc07:0.####} / {map.Map50To95:0.####}");
        output.WriteLine($"  COCO by size: small {Show(map.MapSmall)}, medium {Show(map.MapMedium)}, large {Show(map.MapLarge)}");
        output.WriteLine("  AP@0.5 per class:");
        foreach (var (cls, ap) in map.PerClassAp50.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"    {cls,-20} {ap:0.####}");
    }

    private static string Show(double? value) => value is null ? "n/a" : value.Value.ToString("0.####");
}
