using System.CommandLine;
using System.Diagnostics;
using Spotter.Data;
using Spotter.Training;

namespace Spotter.Cli.Commands;

/// <summary>
/// `spotter demo`: the whole path on built-in data: render synthetic scenes, train the SSD-style
/// detector from ImageNet weights, evaluate it on held-out images, run detect on some of them,
/// and say where everything is.
/// </summary>
public static class DemoCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var outFolder = new Option<string?>("--out") { Description = "Where to write the run and the detections (default: spotter-demo/run-DATE-TIME)" };
        var count = new Option<int>("--count") { Description = "Synthetic images to generate (70% train, 15% val, 15% test)", DefaultValueFactory = _ => 1000 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs (the first with the body frozen)", DefaultValueFactory = _ => 4 };
        var size = new Option<int>("--size") { Description = "Input size", DefaultValueFactory = _ => 256 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var backbone = new Option<string>("--backbone") { DefaultValueFactory = _ => "resnet18-imagenet", Description = "Backbone (see 'spotter info')" };
        var command = new Command("demo", "Train and evaluate a detector on built-in synthetic data, then detect on held-out images (minutes on a laptop CPU).")
            { outFolder, count, epochs, size, device, backbone };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var clock = Stopwatch.StartNew();
            var folder = parse.GetValue(outFolder) ?? Path.Combine("spotter-demo", $"run-{DateTime.Now:yyyyMMdd-HHmmss}");
            output.WriteLine($"Spotter demo: {parse.GetValue(count)} synthetic scenes (circle, rectangle, triangle, star, cross), an SSD-style detector on {parse.GetValue(backbone)}.");
            var config = new TrainConfig
            {
                Dataset = $"synthetic:count={parse.GetValue(count)}", Task = ModelTask.Detect, Backbone = parse.GetValue(backbone)!, Size = parse.GetValue(size),
                Batch = 16, Epochs = parse.GetValue(epochs), FreezeEpochs = 1, LearningRate = 1e-3, Device = parse.GetValue(device)!,
            };
            var reporter = new ConsoleReporter(output, error, SpotterCli.IsInteractive(error));
            using var cancel = SpotterCli.CancelOnCtrlC(error, "stopping the demo");
            var result = Demo.Run(config, folder, reporter, Progress.Line(error, "images"), cancel.Token);

            output.WriteLine();
            output.WriteLine($"Held-out test images ({result.Test.Images}): mAP@0.5 {result.Test.Map!.Map50:0.####} (VOC all-point), " +
                             $"11-point {result.Test.Map.Map50Voc07:0.####}, COCO 0.5:0.95 {result.Test.Map.Map50To95:0.####}");
            foreach (var (cls, ap) in result.Test.Map.PerClassAp50.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                output.WriteLine($"  {cls,-10} AP@0.5 {ap:0.####}");
            output.WriteLine();
            output.WriteLine($"Done in {clock.Elapsed.TotalMinutes:0.0} min. Look at:");
            output.WriteLine($"  {result.RunFolder}/report.html      the whole run on one page: curves, quality by class, confusion, anchor coverage, worst images");
            output.WriteLine($"  {result.RunFolder}/samples.png      predictions next to ground truth");
            output.WriteLine($"  {result.RunFolder}/pr_curves.png    precision-recall per class; eval.json has the numbers");
            output.WriteLine($"  {result.RunFolder}/losses.png       training and validation loss; metrics.csv per epoch");
            output.WriteLine($"  {result.DetectionsFolder}/          annotated test images and detections.json");
            output.WriteLine($"Use the model from C#: Spotter.Detector.Load(\"{result.RunFolder}\").Detect(\"photo.png\")");
            return SpotterCli.Success;
        }));
        return command;
    }
}
