using Spotter;
using Spotter.Inference;
using Spotter.Onnx;

// Usage: OnnxDetect MODEL.onnx IMAGE... [--threshold T]
// Prints detections.json (the same shape as 'spotter detect' writes) for the images.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: OnnxDetect MODEL.onnx IMAGE... [--threshold T]");
    return 1;
}
var threshold = args.Contains("--threshold") ? float.Parse(args[Array.IndexOf(args, "--threshold") + 1], System.Globalization.CultureInfo.InvariantCulture) : (float?)null;
var images = args.Skip(1).Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || args[i] != "--threshold")).ToList();
try
{
    using var detector = OnnxDetector.Load(args[0]);
    var found = detector.Detect(images, threshold);
    var entries = images.Select((path, i) =>
    {
        var size = Spotter.Data.ImageFile.Probe(path);
        return new ImageDetections(path, size.Width, size.Height, found[i]);
    }).ToList();
    Console.WriteLine(ImageDetections.ToJson(entries));
    Console.Error.WriteLine($"{detector.Info.Task.Name()} model, {detector.Info.Classes.Count} classes, {detector.Info.InputSize} px, on {detector.Info.Backend}");
    return 0;
}
catch (SpotterException e)
{
    Console.Error.WriteLine($"OnnxDetect: {e.Message}");
    return 1;
}
