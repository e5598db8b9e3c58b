using System.CommandLine;
using Spotter.Data;
using Spotter.Data.Formats;

namespace Spotter.Cli.Commands;

/// <summary>`spotter data check|show|convert`: look at, validate and convert datasets.</summary>
public static class DataCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var command = new Command("data", "Check, draw and convert datasets (VOC folder, COCO .json, YOLO data.yaml, or 'synthetic').");
        command.Subcommands.Add(Check(output, error));
        command.Subcommands.Add(DataShowCommand.Create(output, error));
        command.Subcommands.Add(Convert(output, error));
        return command;
    }

    public static Argument<string> DatasetArgument() =>
        new("DATASET") { Description = "A dataset folder (VOC, COCO or YOLO, as labelling tools and dataset sites export them), a COCO .json, a YOLO data.yaml, or 'synthetic[:COUNT]' (prefix voc:, coco: or yolo: to choose when a folder holds several)" };

    public static Option<string?> ImagesOption() =>
        new("--images") { Description = "COCO only: the folder holding the images (default: found beside the .json files)" };

    private static Command Check(TextWriter output, TextWriter error)
    {
        var dataset = DatasetArgument();
        var images = ImagesOption();
        var all = new Option<bool>("--all") { Description = "List every problem (by default each kind of problem shows three examples and a count)" };
        var size = new Option<int[]>("--size") { Description = "Also print the anchor coverage of the default detector at these input sizes (e.g. --size 224 512)", AllowMultipleArgumentsPerToken = true };
        // The anchor settings train takes, so coverage is measured for the anchors a run would have.
        var anchors = new SettingsOptions<Spotter.Models.Ssd.DetectorOptions>(new Spotter.Models.Ssd.DetectorOptions(),
            name => name.StartsWith("--anchor", StringComparison.Ordinal) || name == "--positive-iou");
        var command = new Command("check", "Validate a dataset: per-class and per-split counts, size statistics, and the problems found with their files.") { dataset, images, all, size };
        foreach (var option in anchors.Options) command.Options.Add(option);
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            // Options first: a bad --size or anchor setting is one line before any work.
            var sizes = (parse.GetValue(size) ?? []).Select(s => Spotter.Settings.Check.InputSize(s)).ToList();
            var anchorSettings = anchors.Apply(parse, new Spotter.Models.Ssd.DetectorOptions()).Validated();
            var report = DataCheck.Run(DatasetLoader.Load(parse.GetValue(dataset)!, parse.GetValue(images)));
            DataCheckPrinter.Print(report, output, parse.GetValue(all));
            foreach (var inputSize in sizes)
            {
                var spec = Spotter.Models.ModelSpec.For(ModelTask.Detect, Spotter.Models.Backbones.BackboneCatalog.ImageNetResNet18, report.Dataset.Classes, inputSize, detector: anchorSettings);
                output.WriteLine();
                AnchorCoveragePrinter.Print(Spotter.Reports.AnchorCoverage.Measure(report.Dataset.Images, report.Dataset.Classes, spec), output);
            }
            if (report.IsUsable) return SpotterCli.Success;
            error.WriteLine($"spotter: {report.Dataset.Source}: the dataset is not usable (see the problems above)");
            return SpotterCli.UserError;
        }));
        return command;
    }

    private static Command Convert(TextWriter output, TextWriter error)
    {
        var dataset = DatasetArgument();
        var images = ImagesOption();
        var to = new Option<string>("--to") { Description = "Output format", Required = true };
        to.AcceptOnlyFromAmong(DatasetWriter.Formats);
        var outFolder = new Option<string>("--out") { Description = "A new or empty folder for the converted dataset", Required = true };
        var command = new Command("convert", "Write a dataset in another format (images are copied).") { dataset, images, to, outFolder };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var data = DatasetLoader.Load(parse.GetValue(dataset)!, parse.GetValue(images));
            var written = DatasetWriter.Write(data, parse.GetValue(to)!, parse.GetValue(outFolder)!);
            var objects = data.Images.Sum(i => i.Objects.Count);
            output.WriteLine($"Wrote {data.Images.Count} images, {objects} objects, {data.Classes.Count} classes as {parse.GetValue(to)}: {written}");
            if (data.Problems.Count > 0)
                output.WriteLine($"{data.Problems.Count} problem(s) found while reading were left out; 'spotter data check' lists them.");
            return SpotterCli.Success;
        }));
        return command;
    }
}
