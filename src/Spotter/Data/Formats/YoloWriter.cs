using System.Globalization;
using System.Text;
using Spotter.Boxes;
using Spotter.Runtime;

namespace Spotter.Data.Formats;

/// <summary>
/// Writes data.yaml, images/SPLIT/ and labels/SPLIT/ for train, val and test. A dataset with no
/// val or test split is written as Spotter's seeded 80/20 train/val split (the one `spotter train`
/// uses), so a YOLO trainer on the converted set validates on held-out images, never on its own
/// training images. YOLO has no difficult or crowd flags.
/// </summary>
internal static class YoloWriter
{
    public static string Write(Dataset dataset, string root)
    {
        var fileNames = DatasetWriter.FileNames(dataset);
        var heldOut = dataset.Splits.ContainsKey("val") || dataset.Splits.ContainsKey("test");
        var parts = heldOut
            ? new[] { "train", "val", "test" }.Where(dataset.Splits.ContainsKey).Select(s => (Split: s, Images: dataset.Split(s))).ToList()
            : [("train", DatasetSplits.Select(dataset, "train")), ("val", DatasetSplits.Select(dataset, "val"))];
        foreach (var (split, images) in parts) WriteSplit(images, split, root, fileNames);
        var written = parts.Select(p => p.Split).ToList();
        var yaml = new StringBuilder();
        yaml.AppendLine("path: .");
        foreach (var split in written) yaml.AppendLine($"{split}: images/{split}");
        // As Spotter reads a set with train and test but no val: validate on test.
        if (!written.Contains("val") && written.Contains("test")) yaml.AppendLine("val: images/test");
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
