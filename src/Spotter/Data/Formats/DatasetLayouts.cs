using System.Text;

namespace Spotter.Data.Formats;

/// <summary>A dataset found in a folder: its format, what gave it away, and how to read it.</summary>
public sealed record DatasetLayout(string Format, string Description, Func<string?, Dataset> Load);

/// <summary>
/// Finds the datasets in a folder as labelling tools and dataset sites lay them out:
/// <list type="bullet">
/// <item>YOLO: a data.yaml (Ultralytics, Roboflow) at the top, or LabelImg's classes.txt with .txt labels.</item>
/// <item>COCO: annotations/instances_SPLIT.json (the COCO site, CVAT's instances_default.json),
/// SPLIT/_annotations.coco.json (Roboflow), result.json (Label Studio); other .json files at the
/// top or in annotations/ when they look like COCO. Each file with a split in its name is a split.</item>
/// <item>VOC: .xml annotations anywhere below (Annotations/, annots/, xml/, beside the images, or
/// in Roboflow's train/ valid/ test/ folders, which become splits).</item>
/// </list>
/// </summary>
public static class DatasetLayouts
{
    private const int SniffBytes = 64 * 1024;

    public static IReadOnlyList<DatasetLayout> Find(string folder) => Find(DatasetFolder.List(folder));

    internal static IReadOnlyList<DatasetLayout> Find(DatasetFolder folder)
    {
        var found = new List<DatasetLayout>();
        if (FindYolo(folder) is { } yolo) found.Add(yolo);
        if (FindCoco(folder) is { } coco) found.Add(coco);
        if (FindVoc(folder) is { } voc) found.Add(voc);
        return found;
    }

    private static DatasetLayout? FindYolo(DatasetFolder folder)
    {
        var topYaml = folder.WithExtension(".yaml", ".yml").Where(f => IsTopLevel(folder, f)).ToList();
        var yaml = topYaml.FirstOrDefault(f => Path.GetFileNameWithoutExtension(f) == "data")
                   ?? topYaml.FirstOrDefault(f => Head(f).Contains("names", StringComparison.Ordinal));
        if (yaml is not null)
            return new DatasetLayout("yolo", Path.GetFileName(yaml), _ => YoloReader.Read(yaml, folder));
        var classes = folder.Files.Where(f => Path.GetFileName(f) == "classes.txt").OrderBy(f => f.Count(c => c == '/')).FirstOrDefault();
        if (classes is null) return null;
        var labels = folder.WithExtension(".txt").Count(f => YoloReader.IsLabelFile(f));
        return labels == 0 ? null : new DatasetLayout("yolo", $"{Relative(folder, classes)} and {labels} label file(s)", _ => YoloReader.ReadLabelImg(folder, classes));
    }

    private static DatasetLayout? FindCoco(DatasetFolder folder)
    {
        var jsons = folder.WithExtension(".json").ToList();
        var named = jsons.Where(f => Path.GetFileName(f) is var n && (n.StartsWith("instances_", StringComparison.Ordinal)
            || n == "_annotations.coco.json" || (n == "result.json" && IsTopLevel(folder, f)))).ToList();
        var files = named.Count > 0 ? named
            : jsons.Where(f => (IsTopLevel(folder, f) || Path.GetFileName(Path.GetDirectoryName(f)) == "annotations") && LooksLikeCoco(f)).ToList();
        if (files.Count == 0) return null;
        var splits = files.Select(f => new CocoReader.SplitFile(f, SplitOf(f))).ToList();
        // Two files that name the same split (or none): each is a split under its own file name.
        if (splits.Count > 1 && splits.GroupBy(s => s.Split).Any(g => g.Count() > 1))
            splits = splits.Select(s => s with { Split = Path.GetFileNameWithoutExtension(s.JsonPath) }).ToList();
        var description = string.Join(", ", files.Take(3).Select(f => Relative(folder, f))) + (files.Count > 3 ? $" and {files.Count - 3} more" : "");
        return new DatasetLayout("coco", description, images => CocoReader.Read(folder.Root, splits, images, folder));
    }

    private static DatasetLayout? FindVoc(DatasetFolder folder)
    {
        var xmls = folder.WithExtension(".xml").Where(f => Head(f, 2048).Contains("<annotation", StringComparison.OrdinalIgnoreCase)).ToList();
        return xmls.Count == 0 ? null : new DatasetLayout("voc", $"{xmls.Count} .xml annotation(s)", _ => VocReader.Read(folder, xmls));
    }

    /// <summary>The split a COCO file holds, from its name or (Roboflow's _annotations.coco.json) its folder's.</summary>
    private static string? SplitOf(string jsonPath)
    {
        var name = Path.GetFileName(jsonPath);
        if (name == "_annotations.coco.json") return SplitNames.Canonical(Path.GetFileName(Path.GetDirectoryName(jsonPath)) ?? "");
        var stem = Path.GetFileNameWithoutExtension(jsonPath);
        return SplitNames.Canonical(stem.StartsWith("instances_", StringComparison.Ordinal) ? stem["instances_".Length..] : stem);
    }

    private static bool LooksLikeCoco(string path)
    {
        var head = Head(path);
        return head.Contains("\"images\"", StringComparison.Ordinal) && (head.Contains("\"annotations\"", StringComparison.Ordinal) || head.Contains("\"categories\"", StringComparison.Ordinal));
    }

    private static bool IsTopLevel(DatasetFolder folder, string path) =>
        Path.GetFullPath(Path.GetDirectoryName(path)!) == Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder.Root));

    private static string Relative(DatasetFolder folder, string path) => Path.GetRelativePath(folder.Root, path);

    /// <summary>The file's first bytes as text (empty when it cannot be read).</summary>
    private static string Head(string path, int bytes = SniffBytes)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var buffer = new byte[Math.Min(bytes, stream.Length)];
            stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            return Encoding.UTF8.GetString(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
