using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using SkiaSharp;
using Spotter.Data;
using Spotter.Models;
using Spotter.Runtime;
using Spotter.Visualization;

namespace Spotter.Cli.Commands;

/// <summary>`spotter detect`: run a trained model on images; annotated copies and detections.json.</summary>
public static class DetectCommand
{
    public sealed record DetectionJson(
        [property: JsonPropertyName("class")] string Class,
        [property: JsonPropertyName("score")] float Score,
        [property: JsonPropertyName("box")] float[] Box);

    public sealed record ImageJson(
        [property: JsonPropertyName("image")] string Image,
        [property: JsonPropertyName("width")] int Width,
        [property: JsonPropertyName("height")] int Height,
        [property: JsonPropertyName("detections")] IReadOnlyList<DetectionJson> Detections);

    public static Command Create(TextWriter output, TextWriter error)
    {
        var run = new Argument<string>("RUN") { Description = "A run folder made by 'spotter train' (or a model.json)" };
        var inputs = new Argument<string[]>("INPUT") { Description = "Images, folders of images, or globs such as 'photos/*.jpg'", Arity = ArgumentArity.OneOrMore };
        var outFolder = new Option<string>("--out") { Description = "Folder for the annotated images and detections.json", Required = true };
        var threshold = new Option<float>("--threshold") { Description = "Leave out detections scoring below this (default 0.3 for a detector, 0 for the largest-object models)" };
        var json = new Option<bool>("--json") { Description = "Also print detections.json to standard output" };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 16, Description = "Batch size" };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto", Description = "auto, cpu or cuda" };
        var command = new Command("detect", "Run a trained model on images: annotated images and detections.json (boxes in original pixels).")
            { run, inputs, outFolder, threshold, json, batch, device };
        command.SetAction(parse => SpotterCli.Guard(error, () =>
        {
            var files = InputFiles.Expand(parse.GetValue(inputs)!);
            var minimum = parse.GetResult(threshold) is null ? (float?)null : parse.GetValue(threshold);
            var target = Devices.Parse(parse.GetValue(device)!);
            var (model, info) = ModelFile.Load(parse.GetValue(run)!, target);
            using (model)
            {
                var folder = parse.GetValue(outFolder)!;
                Directory.CreateDirectory(folder);
                var results = new List<ImageJson>();
                var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var p in new ImagePredictor(model, target).Predict(files, parse.GetValue(batch)))
                {
                    var kept = p.Boxes.Where(b => b.Score >= (minimum ?? info.DisplayThreshold)).ToList();
                    var className = (int c) => c < 0 ? "object" : info.Classes[c];
                    results.Add(new ImageJson(p.Path, p.Width, p.Height,
                        kept.Select(d => new DetectionJson(className(d.ClassIndex), d.Score, [d.Box.X1, d.Box.Y1, d.Box.X2, d.Box.Y2])).ToList()));
                    Annotate(p.Path, kept, info.Classes, UniqueName(folder, p.Path, names));
                    if (!Console.IsErrorRedirected && ReferenceEquals(error, Console.Error))
                        error.Write($"\r  {results.Count}/{files.Count} images");
                }
                if (!Console.IsErrorRedirected && ReferenceEquals(error, Console.Error)) error.Write("\r" + new string(' ', 40) + "\r");
                var text = JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true });
                AtomicFile.WriteAllText(Path.Combine(folder, "detections.json"), text);
                if (parse.GetValue(json)) output.WriteLine(text);
                else output.WriteLine($"Wrote {results.Count} annotated image(s) and {Path.Combine(folder, "detections.json")}");
                return SpotterCli.Success;
            }
        }));
        return command;
    }

    private static string UniqueName(string folder, string source, HashSet<string> taken)
    {
        var stem = Path.GetFileNameWithoutExtension(source);
        var name = stem + ".png";
        for (var i = 2; !taken.Add(name); i++) name = $"{stem}_{i}.png";
        return Path.Combine(folder, name);
    }

    private static void Annotate(string source, IReadOnlyList<PredictedBox> boxes, IReadOnlyList<string> classes, string target)
    {
        using var image = ImageFile.Decode(source);
        using (var canvas = new SKCanvas(image))
        {
            var textSize = Math.Max(12, Math.Min(image.Width, image.Height) / 30f);
            BoxPainter.Draw(canvas, SampleSheet.Predicted(boxes, classes), 1, textSize);
        }
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        AtomicFile.WriteAllBytes(target, data.ToArray());
    }
}
