using System.CommandLine;
using Spotter.Data;
using Spotter.Reports;
using Spotter.Training;

namespace Spotter.Cli.Commands;

/// <summary>`spotter report`: a run's self-contained report.html (train writes one at the end too).</summary>
public static class ReportCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN_DIR") { Description = "A run folder made by 'spotter train'" };
        var dataset = new Argument<string?>("DATASET") { Description = "The dataset to report on (default: the run's own, from config.json)", Arity = ArgumentArity.ZeroOrOne };
        var split = new Option<string?>("--split") { Description = "The split whose images are scored and shown (default: the run's validation split)" };
        var outFile = new Option<string?>("--out") { Description = "Where to write the page (default: RUN_DIR/report.html)" };
        var images = DataCommand.ImagesOption();
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var command = new Command("report", "Write a run's report.html: settings, curves, quality by class and size, confusion matrix, anchor coverage, the worst images.")
            { run, dataset, split, outFile, images, device };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var folder = parse.GetValue(run)!;
            if (!Directory.Exists(folder)) throw new SpotterException($"{folder}: no such run folder");
            var config = File.Exists(Path.Combine(folder, TrainConfig.FileName)) ? TrainConfig.Load(folder) : null;
            var datasetSpec = parse.GetValue(dataset) ?? config?.Dataset ?? throw new SpotterException($"{folder}: no config.json to find the dataset in; give DATASET");
            if (parse.GetValue(dataset) is null && !DatasetLoader.IsSynthetic(datasetSpec) && DatasetLoader.Location(datasetSpec) is null)
                throw new SpotterException($"{folder}: the run's dataset '{datasetSpec}' (config.json) is not found from here; give DATASET");
            var data = DatasetLoader.Load(datasetSpec, parse.GetValue(images) ?? (parse.GetValue(dataset) is null ? config?.ImageFolder : null));
            var splitName = parse.GetValue(split) ?? config?.ValidSplit ?? "val";
            var path = parse.GetValue(outFile) ?? Path.Combine(folder, RunReport.FileName);
            var contents = RunReport.Write(folder, data, splitName, path, parse.GetValue(device)!);
            output.WriteLine($"Wrote {path}: {string.Join(", ", contents.Sections)} ({contents.Evaluation.Images} images of '{splitName}')");
            return SpotterCli.Success;
        }));
        return command;
    }
}
