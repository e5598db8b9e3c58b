using Spotter.Data.Formats;
using Spotter.Data.Synthetic;

namespace Spotter.Data;

/// <summary>
/// Opens a dataset named the way the CLI takes it: a folder (searched for the layouts of
/// <see cref="DatasetLayouts"/>), a COCO JSON, a YOLO data.yaml, or <c>synthetic[:OPTIONS]</c>.
/// The format is detected; a <c>voc:</c>, <c>coco:</c> or <c>yolo:</c> prefix forces it, and is
/// needed when a folder holds more than one.
/// </summary>
public static class DatasetLoader
{
    public static Dataset Load(string spec, string? imageFolder = null)
    {
        if (IsSynthetic(spec)) return SyntheticDataset.Load(SyntheticOptions.Parse(spec));
        var (format, path) = SplitPrefix(spec);
        if (imageFolder is not null && !Directory.Exists(imageFolder)) throw new SpotterException($"{imageFolder}: --images folder not found");
        if (Directory.Exists(path)) return LoadFolder(spec, path, format, imageFolder);
        if (!File.Exists(path)) throw new SpotterException($"{path}: no such file or folder");
        format ??= Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => "coco",
            ".yaml" or ".yml" => "yolo",
            ".xml" => throw new SpotterException($"{path}: a single VOC annotation; give the dataset's folder"),
            _ => throw new SpotterException($"{path}: not a dataset; give a dataset folder, a COCO .json, a YOLO data.yaml or 'synthetic'"),
        };
        return format switch
        {
            "coco" => CocoReader.Read(path, imageFolder),
            "yolo" => YoloReader.Read(path),
            _ => throw new SpotterException($"{spec}: a {format} dataset is a folder; give the folder"),
        };
    }

    private static Dataset LoadFolder(string spec, string path, string? format, string? imageFolder)
    {
        var folder = DatasetFolder.List(path);
        var found = DatasetLayouts.Find(folder).Where(l => format is null || l.Format == format).ToList();
        if (found.Count == 0)
            throw new SpotterException(format is null
                ? $"{path}: no dataset found (looked for VOC .xml annotations, COCO .json files, a YOLO data.yaml or classes.txt with .txt labels)"
                : $"{path}: no {format} dataset found");
        if (found.Count > 1)
            throw new SpotterException($"{path}: holds more than one dataset: {string.Join("; ", found.Select(f => $"{f.Format} ({f.Description})"))}; " +
                $"say which with {string.Join(" or ", found.Select(f => f.Format + ":" + path))}");
        return found[0].Load(imageFolder);
    }

    /// <summary>Whether a dataset argument names generated scenes: <c>synthetic</c> or <c>synthetic:OPTIONS</c>.</summary>
    public static bool IsSynthetic(string spec) => spec == "synthetic" || spec.StartsWith("synthetic:", StringComparison.Ordinal);

    /// <summary>
    /// Whether two dataset arguments name the same images: the same folder or file however it is
    /// written, or the same synthetic scenes (<c>synthetic</c> and <c>synthetic:count=1000</c> are one set).
    /// </summary>
    public static bool SameData(string spec, string other)
    {
        if (spec == other) return true;
        if (IsSynthetic(spec) || IsSynthetic(other))
            return IsSynthetic(spec) && IsSynthetic(other) && SyntheticOptions.Parse(spec) == SyntheticOptions.Parse(other);
        return Location(spec) is { } location && location == Location(other);
    }

    /// <summary>The full path of the folder or file a dataset argument names (its voc:/coco:/yolo: prefix dropped); null for synthetic data or a path that does not exist.</summary>
    public static string? Location(string spec)
    {
        var path = SplitPrefix(spec).Path;
        return Path.Exists(path) ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) : null;
    }

    private static (string? Format, string Path) SplitPrefix(string spec)
    {
        foreach (var format in new[] { "voc", "coco", "yolo" })
            if (spec.StartsWith(format + ":", StringComparison.Ordinal)) return (format, spec[(format.Length + 1)..]);
        return (null, spec);
    }
}
