using System.Globalization;
using System.Text;
using Spotter.Boxes;
using Spotter.Runtime;

namespace Spotter.Data.Formats;

/// <summary>
/// Writes data.yaml, images/SPLIT/ and labels/SPLIT/ for train, val and test (a dataset without
/// those splits goes to train, and val points at it too). YOLO has no difficult or crowd flags.
/// </summary>
internal static class YoloWriter
{
    public static string Write(Dataset dataset, string root)
    {
        var fileNames = DatasetWriter.FileNames(dataset);
        var splits = new[] { "train", "val", "test" }.Where(dataset.Splits.ContainsKey).ToList();
        var written = new List<string>();
        if (splits.Count == 0)
        {
            WriteSplit(dataset.Images, "train", root, fileNames);
            written.Add("train");
        }
        else
        {
            foreach (var split in splits)
            {
                WriteSplit(dataset.Split(split), split, root, fileNames);
                written.Add(split);
            }
        }
        var yaml = new StringBuilder();
        yaml.AppendLine("path: .");
        foreach (var split in written) yaml.AppendLine($"{split}: images/{split}");
        if (!written.Contains("val")) yaml.AppendLine($"val: images/{written[0]}");
        yaml.AppendLine("names:");
        foreach (var name in dataset.Classes) yaml.AppendLine($"  - \"{name.Replace("\"", "\\\"")}\"");
        var path = Path.Combine(root, "data.yaml");
        AtomicFile.WriteAllText(path, yaml.ToString());
        return path;
    }

    private static void WriteSplit(IReadOnlyList<ImageRecord> images, string split, string root, Dictionary<string, string> fileNames)
    {
        var labels = Path.Combine(root, "labels", split);
        Directory.CreateDirectory(labels);
        foreach (var image in images)
        {
            var fileName = fileNames[image.Id];
            DatasetWriter.CopyImage(image, Path.Combine(root, "images", split), fileName);
            var lines = image.Objects.Select(o =>
            {
                var (cx, cy, w, h) = BoxFormat.ToYolo(o.Box, image.Width, image.Height);
                return string.Create(CultureInfo.InvariantCulture, $"{o.ClassIndex} {cx:R} {cy:R} {w:R} {h:R}\n");
            });
            AtomicFile.WriteAllText(Path.Combine(labels, Path.ChangeExtension(fileName, ".txt")), string.Concat(lines));
        }
    }
}
