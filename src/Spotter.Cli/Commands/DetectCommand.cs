using System.CommandLine;
using Spotter.Data;
using Spotter.Inference;

namespace Spotter.Cli.Commands;

/// <summary>`spotter detect`: run a trained model on images; annotated copies and detections.json.</summary>
public static class DetectCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("MODEL") { Description = "A run folder made by 'spotter train', its model.json, or a model.onnx from 'spotter export'" };
        var inputs = new Argument<string[]>("INPUT") { Description = "Images, folders of images, or globs such as 'photos/*.jpg'", Arity = ArgumentArity.OneOrMore };
        var outFolder = new Option<string>("--out") { Description = "Folder for the annotated images and detections.json", Required = true };
        var threshold = new Option<float?>("--threshold") { Description = "Leave out detections scoring below this (default 0.3 for a detector, 0 for the largest-object models)" };
        var json = new Option<bool>("--json") { Description = "Also print detections.json to standard output" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 16, Description = "Batch size" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var precision = ModelOpener.PrecisionOption();
        var tiles = new TileOptions();
        var tta = new Option<bool>("--tta") { Description = "Test-time flip: also run each image mirrored left-right and fuse the two answers (twice the compute)" };
        var command = new Command("detect", "Run a trained model on images: annotated images and detections.json (boxes in original pixels).")
            { run, inputs, outFolder, threshold, json, batch, device, precision, tta };
        foreach (var option in tiles.All) command.Options.Add(option);
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var files = InputFiles.Expand(parse.GetValue(inputs)!);
            using var detector = ModelOpener.Open(parse.GetValue(run)!, parse.GetValue(device)!, ModelOpener.ParsePrecision(parse.GetValue(precision)!));
            detector.TestTimeFlip = parse.GetValue(tta);
            tiles.Apply(parse, detector, error);
            var folder = parse.GetValue(outFolder)!;
            var skipped = 0;
            var results = DetectFiles.Run(detector, files, folder, Thresholds.Check(parse.GetValue(threshold)), Math.Max(1, parse.GetValue(batch)), Progress.Line(error, "images"),
                message => { skipped++; error.WriteLine($"spotter: warning: {message}"); },
                message => error.WriteLine($"spotter: warning: {message}"));
            if (parse.GetValue(json)) output.WriteLine(ImageDetections.ToJson(results));
            else output.WriteLine($"Wrote {results.Count} annotated image(s) and {Path.Combine(folder, ImageDetections.FileName)}" + (skipped > 0 ? $"; {skipped} file(s) could not be read and were skipped" : ""));
            return SpotterCli.Success;
        }));
        return command;
    }
}
