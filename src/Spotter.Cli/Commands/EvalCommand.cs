using System.CommandLine;
using System.Text.Json;
using Spotter.Data;
using Spotter.Data.Loading;
using Spotter.Models.Largest;
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
        var command = new Command("eval", "Measure a trained model on a dataset split: accuracy, L1 and mean IoU for the largest-object tasks.")
            { run, dataset, split, json, batch, device, images };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var target = Devices.Parse(parse.GetValue(device)!);
            var (model, info) = LargestObjectModelFile.Load(parse.GetValue(run)!, target);
            using (model)
            {
                var data = DatasetLoader.Load(parse.GetValue(dataset)!, parse.GetValue(images));
                var records = ModelEvaluation.ToModelClasses(data, DatasetSplits.Select(data, parse.GetValue(split)!), info.Classes)
                    .Where(r => r.Objects.Count > 0).ToList();
                using var store = new ImageStore(info.InputSize, records.Count);
                var loader = new BatchLoader(records, store, AugmentOptions.None(info.InputSize), parse.GetValue(batch), shuffle: false);
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
}
