using Spotter.Data.Formats;
using Spotter.Data.Synthetic;

namespace Spotter.Data;

/// <summary>
/// Opens a dataset named the way the CLI takes it: a VOC folder, a COCO JSON, a YOLO data.yaml
/// (or a folder holding one), or <c>synthetic[:OPTIONS]</c>. The format is detected; a
/// <c>voc:</c>, <c>coco:</c> or <c>yolo:</c> prefix forces it.
/// </summary>
public static class DatasetLoader
{
    public static Dataset Load(string spec, string? imageFolder = null)
    {
        if (spec == "synthetic" || spec.StartsWith("synthetic:", StringComparison.Ordinal))
            return SyntheticDataset.Load(SyntheticOptions.Parse(spec));
        var (format, path) = SplitPrefix(spec);
        format ??= Detect(path);
        return format switch
        {
            "voc" => VocReader.Read(path),
            "coco" => CocoReader.Read(path, imageFolder),
            "yolo" => YoloReader.Read(Directory.Exists(path) ? Path.Combine(path, "data.yaml") : path),
            _ => throw new SpotterException($"{spec}: unknown dataset format"),
        };
    }

    private static (string? Format, string Path) SplitPrefix(string spec)
    {
        foreach (var format in new[] { "voc", "coco", "yolo" })
            if (spec.StartsWith(format + ":", StringComparison.Ordinal)) return (format, spec[(format.Length + 1)..]);
        return (null, spec);
    }

    private static string Detect(string path)
    {
        if (File.Exists(path))
        {
            var extension = Path.GetExtension(path).ToLowerInvariant();
            return extension switch
            {
                ".json" => "coco",
                ".yaml" or ".yml" => "yolo",
                _ => throw new SpotterException($"{path}: not a dataset; give a VOC folder, a COCO .json, a YOLO data.yaml or 'synthetic'"),
            };
        }
        if (!Directory.Exists(path)) throw new SpotterException($"{path}: no such file or folder");
        if (File.Exists(Path.Combine(path, "data.yaml"))) return "yolo";
        if (VocReader.LooksLikeVoc(path)) return "voc";
        throw new SpotterException($"{path}: no dataset found (no VOC Annotations/ or *.xml, no data.yaml); for COCO give the .json file");
    }
}
