using System.CommandLine;
using System.Text.Json;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Evaluation;
using Spotter.Models;
using Spotter.Models.Detection;
using Spotter.Runtime;
using Spotter.Training;

namespace Spotter.Cli.Commands;

/// <summary>`spotter eval`: a trained model's metrics on a dataset split.</summary>
public static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "A run folder made by 'spotter train' (or a model.json)" };
        var dataset = DataCommand.DatasetArgument();
        var split = new Option<string>("--split") { Description = "train, val, test, trainval or all", DefaultValueFactory = _ => "test" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 32, Description = "Batch size" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var images = DataCommand.ImagesOption();
        var metric = new Option<string>("--metric") { Description = "detect: which mAP the table leads with: voc (all-point, IoU 0.5), voc07 (11-point) or coco (0.5:0.95); --json prints all", DefaultValueFactory = _ => "voc" };
        metric.AcceptOnlyFromAmong("voc", "voc07", "coco");
        var command = new Command("eval", "Measure a trained model on a dataset split: mAP for detection; accuracy, L1 and mean IoU for the largest-object tasks.")
            { run, dataset, split, json, batch, device, images, metric };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var target = Devices.Parse(parse.GetValue(device)!);
            var (model, info) = ModelFile.Load(parse.GetValue(run)!, target);
            using (model)
            {
                var data = DatasetLoader.Load(parse.GetValue(dataset)!, parse.GetValue(images));
                var records = ModelEvaluation.ToModelClasses(data, DatasetSplits.Select(data, parse.GetValue(split)!), info.Classes)
                    .Where(r => ModelInfo.CanUse(info.Task, r)).ToList();
                using var store = new ImageStore(info.InputSize, records.Count);
                var loader = new BatchLoader(records, store, AugmentOptions.None(info.InputSize), parse.GetValue(batch), shuffle: false);
                if (model is SsdModel detector)
                    return PrintDetection(ModelEvaluation.Detections(detector, loader, info.Classes, target), parse.GetValue(json), parse.GetValue(metric)!, data.Source, parse.GetValue(split)!, records.Count, output);
                var metrics = ModelEvaluation.Run(model, loader, target).Where(m => m.Key != "valid_loss").ToDictionary();
                if (parse.GetValue(json))
                {
                    var values = metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? (double?)m.Value : null);
                    values["images"] = records.Count;
                    output.WriteLine(JsonSerializer.Serialize(values));
                    return SpotterCli.Success;
                }
                output.WriteLine($"{info.Task} model on {data.Source}, split {parse.GetValue(split)}: {records.Count} images");
                foreach (var (name, value) in metrics)
                    output.WriteLine($"  {name,-9} {value:0.####}{(name == "l1" ? $" px at {info.InputSize}x{info.InputSize}" : "")}");
                return SpotterCli.Success;
            }
        }));
        return command;
    }

    private static int PrintDetection(MapReport report, bool json, string metric, string source, string split, int images, TextWriter output)
    {
        if (json)
        {
            var values = ModelEvaluation.ToJson(report);
            values["images"] = images;
            output.WriteLine(JsonSerializer.Serialize(values));
            return SpotterCli.Success;
        }
        var (name, value) = metric switch
        {
            "voc07" => ("mAP@0.5 (VOC07 11-point)", report.Map50Voc07),
            "coco" => ("mAP@[.5:.95] (COCO)", report.Map50To95),
            _ => ("mAP@0.5 (VOC all-point)", report.Map50),
        };
        output.WriteLine($"detect model on {source}, split {split}: {images} images");
        output.WriteLine($"  {name,-26} {value:0.####}");
        output.WriteLine($"  mAP@0.5 all-point / 11-point / COCO 0.5:0.95: {report.Map50:0.####} / {report.Map50Voc07:0.####} / {report.Map50To95:0.####}");
        output.WriteLine($"  COCO by size: small {Show(report.MapSmall)}, medium {Show(report.MapMedium)}, large {Show(report.MapLarge)}");
        output.WriteLine("  AP@0.5 per class:");
        foreach (var (cls, ap) in report.PerClassAp50.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            output.WriteLine($"    {cls,-20} {ap:0.####}");
        return SpotterCli.Success;
    }

    private static string Show(double? value) => value is null ? "n/a" : value.Value.ToString("0.####");
}
