using System.Globalization;
using Spotter.Boxes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Spotter.Data.Formats;

/// <summary>
/// Reads a YOLO dataset from its data.yaml: `names` (a list, or a map from index to name),
/// `path` (root, relative to the yaml), and `train`/`val`/`test` (folders of images or .txt
/// lists, relative to the root). Labels live where the image path has /images/ replaced by
/// /labels/, one `class cx cy w h` line per object, normalised to 0..1; polygon lines
/// (segmentation labels) become their bounding box. Split paths that do not exist as written and
/// start with ../ are tried without it (Roboflow writes <c>train: ../train/images</c> beside the
/// yaml, as Ultralytics accepts); a <c>valid:</c> key is the val split. LabelImg's YOLO output
/// (classes.txt and .txt labels beside the images or in labels/, no yaml) is read by
/// <see cref="ReadLabelImg"/>.
/// </summary>
public static class YoloReader
{
    private static readonly string[] SplitKeys = ["train", "val", "valid", "test"];

    public static Dataset Read(string yamlPath) => Read(yamlPath, null);

    internal static Dataset Read(string yamlPath, DatasetFolder? listed)
    {
        if (!File.Exists(yamlPath)) throw new SpotterException($"{yamlPath}: file not found");
        var config = ParseYaml(yamlPath);
        var names = ReadNames(config, yamlPath);
        var yamlFolder = Path.GetDirectoryName(Path.GetFullPath(yamlPath))!;
        var root = config.Children.TryGetValue(new YamlScalarNode("path"), out var p) && p is YamlScalarNode { Value: { Length: > 0 } rootValue }
            ? Path.GetFullPath(Path.Combine(yamlFolder, rootValue)) : yamlFolder;

        var builder = new DatasetBuilder(yamlPath, "yolo", names);
        listed?.ReportSkipped(builder);
        foreach (var key in SplitKeys)
        {
            if (!config.Children.TryGetValue(new YamlScalarNode(key), out var node)) continue;
            var split = Formats.SplitNames.Canonical(key)!;
            if (builder.HasSplit(split)) continue;
            var entries = node switch
            {
                YamlSequenceNode seq => seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? ""),
                YamlScalarNode scalar => [scalar.Value ?? ""],
                _ => throw new SpotterException($"{yamlPath}:{node.Start.Line}: '{key}' must be a path or a list of paths"),
            };
            var images = entries.Where(e => !string.IsNullOrWhiteSpace(e)).SelectMany(e => ListImages(SplitPath(root, e), yamlPath, builder)).ToList();
            var ids = new List<string>();
            foreach (var image in images)
            {
                var id = Path.ChangeExtension(Path.GetRelativePath(root, image), null).Replace('\\', '/');
                if (!builder.HasImage(id)) ReadImage(image, id, builder);
                if (builder.HasImage(id)) ids.Add(id);
            }
            builder.AddSplit(split, ids);
        }
        return builder.Build();
    }

    private static YamlMappingNode ParseYaml(string path)
    {
        using var reader = new StreamReader(path);
        var parser = new PositionTrackingParser(new Parser(reader));
        try
        {
            var stream = new YamlStream();
            stream.Load(parser);
            return stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode
                   ?? throw new SpotterException($"{path}: expected a mapping with 'names' and 'train'");
        }
        catch (YamlException e)
        {
            throw new SpotterException($"{path}:{e.Start.Line}: malformed YAML ({e.Message})");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this, without a position, on some broken input.
            throw new SpotterException($"{path}:{parser.LastLine}: malformed YAML (parsing stopped after this line)");
        }
    }

    /// <summary>Remembers the last line the parser reached, for errors that carry no position.</summary>
    private sealed class PositionTrackingParser(IParser inner) : IParser
    {
        public long LastLine { get; private set; } = 1;

        public YamlDotNet.Core.Events.ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            var moved = inner.MoveNext();
            if (inner.Current is { } current) LastLine = current.End.Line;
            return moved;
        }
    }

    private static List<string> ReadNames(YamlMappingNode config, string path)
    {
        if (!config.Children.TryGetValue(new YamlScalarNode("names"), out var names))
            throw new SpotterException($"{path}: no 'names' (the class names)");
        List<string> Scalars(IEnumerable<YamlNode> nodes) => nodes.Select(n => n is YamlScalarNode { Value: { } v } ? v
            : throw new SpotterException($"{path}:{n.Start.Line}: a class name must be a plain value")).ToList();
        return names switch
        {
            YamlSequenceNode list => Scalars(list.Children),
            YamlMappingNode map => Scalars(map.Children.OrderBy(kv => kv.Key is YamlScalarNode { Value: { } k } && int.TryParse(k, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
                ? i : throw new SpotterException($"{path}:{kv.Key.Start.Line}: 'names' keys must be class numbers 0, 1, ...")).Select(kv => kv.Value)),
            _ => throw new SpotterException($"{path}:{names.Start.Line}: 'names' must be a list or a map"),
        };
    }

    /// <summary>A split's path from the yaml: relative to the root; when that does not exist and it starts with ../, without it (Ultralytics' rule).</summary>
    private static string SplitPath(string root, string entry)
    {
        var path = Path.Combine(root, entry.Trim());
        if (Directory.Exists(path) || File.Exists(path)) return path;
        var normalized = entry.Trim().Replace('\\', '/');
        if (normalized.StartsWith("../", StringComparison.Ordinal))
        {
            var inside = Path.Combine(root, normalized[3..]);
            if (Directory.Exists(inside) || File.Exists(inside)) return inside;
        }
        if (Path.IsPathRooted(normalized))
        {
            // An absolute path from the machine that exported the set (/content/datasets/x/train/images): its last parts under the root.
            var parts = normalized.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (var take = Math.Min(3, parts.Length); take >= 1; take--)
            {
                var tail = Path.Combine(root, Path.Combine(parts[^take..]));
                if (Directory.Exists(tail) || File.Exists(tail)) return tail;
            }
        }
        return path;
    }

    private static IEnumerable<string> ListImages(string entry, string yamlPath, DatasetBuilder builder)
    {
        if (Directory.Exists(entry))
        {
            var folder = DatasetFolder.List(entry);
            folder.ReportSkipped(builder); // once: the builder drops a problem already reported
            return folder.Files.Where(ImageFile.HasImageExtension).Order(StringComparer.Ordinal);
        }
        if (File.Exists(entry) && entry.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
        {
            var folder = Path.GetDirectoryName(entry)!;
            return File.ReadLines(entry).Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => Path.GetFullPath(Path.Combine(folder, l)));
        }
        builder.Warn(yamlPath, $"split source {entry} not found");
        return [];
    }

    /// <summary>Whether a .txt file can be a YOLO label file (not classes.txt, a README or a split list).</summary>
    internal static bool IsLabelFile(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name.EndsWith(".txt", StringComparison.Ordinal) && name != "classes.txt" && !name.StartsWith("readme", StringComparison.Ordinal)
               && name is not ("train.txt" or "val.txt" or "test.txt" or "trainval.txt" or "valid.txt");
    }

    /// <summary>
    /// LabelImg's YOLO output: class names one per line in classes.txt, and for each image a .txt
    /// label beside it or in a labels/ folder (…/images/x.jpg -&gt; …/labels/x.txt). No splits.
    /// Images without a label file have no objects.
    /// </summary>
    internal static Dataset ReadLabelImg(DatasetFolder folder, string classesPath)
    {
        var names = File.ReadAllLines(classesPath).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        if (names.Count == 0) throw new SpotterException($"{classesPath}: no class names (one per line)");
        var builder = new DatasetBuilder(folder.Root, "yolo", names);
        folder.ReportSkipped(builder);
        var labels = folder.WithExtension(".txt").Where(IsLabelFile).ToHashSet(StringComparer.Ordinal);
        foreach (var image in folder.Files.Where(ImageFile.HasImageExtension).Order(StringComparer.Ordinal))
        {
            var id = Path.ChangeExtension(Path.GetRelativePath(folder.Root, image), null).Replace('\\', '/');
            var beside = Path.ChangeExtension(image, ".txt");
            ReadImage(image, id, builder, labels.Contains(beside) ? beside : LabelPathFor(image));
        }
        return builder.Build();
    }

    /// <summary>…/images/…/x.jpg -> …/labels/…/x.txt (the last /images/ segment), else x.txt beside the image.</summary>
    public static string LabelPathFor(string imagePath)
    {
        var normalized = imagePath.Replace('\\', '/');
        var at = normalized.LastIndexOf("/images/", StringComparison.Ordinal);
        var labels = at < 0 ? normalized : normalized[..at] + "/labels/" + normalized[(at + "/images/".Length)..];
        return Path.ChangeExtension(labels, ".txt");
    }

    private static void ReadImage(string image, string id, DatasetBuilder builder, string? labelPath = null)
    {
        var size = builder.ResolveSize(image, 0, 0, image, quiet: true);
        if (size is null) return;
        labelPath ??= LabelPathFor(image);
        var objects = new List<DatasetBuilder.RawObject>();
        if (File.Exists(labelPath))
        {
            var lineNumber = 0;
            foreach (var line in ReadLines(labelPath, builder))
            {
                lineNumber++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                var raw = ParseLine(line, $"{labelPath}:{lineNumber}", size.Value, builder);
                if (raw is not null) objects.Add(raw.Value);
            }
        }
        builder.AddImage(id, image, size.Value.Width, size.Value.Height, objects, labelPath);
    }

    private static IEnumerable<string> ReadLines(string path, DatasetBuilder builder)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            builder.Warn(path, $"cannot read the label file ({e.Message}); the image has no objects");
            return [];
        }
    }

    private static DatasetBuilder.RawObject? ParseLine(string line, string location, (int Width, int Height) size, DatasetBuilder builder)
    {
        var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                builder.Warn(location, $"'{parts[i]}' is not a number; line skipped");
                return null;
            }
        if (parts.Length < 5 || (parts.Length > 5 && parts.Length % 2 == 0))
        {
            builder.Warn(location, $"expected 'class cx cy w h' (or a polygon), got {parts.Length} values; line skipped");
            return null;
        }
        var classIndex = (int)values[0];
        if (classIndex != values[0] || classIndex < 0)
        {
            builder.Warn(location, $"class '{parts[0]}' is not a class index; line skipped");
            return null;
        }
        var index = builder.ClassIndexByNumber(classIndex, location);
        if (index is null) return null;
        Box box;
        if (parts.Length == 5)
        {
            box = BoxFormat.FromYolo(values[1], values[2], values[3], values[4], size.Width, size.Height);
        }
        else
        {
            var xs = values.Skip(1).Where((_, i) => i % 2 == 0).ToArray();
            var ys = values.Skip(1).Where((_, i) => i % 2 == 1).ToArray();
            box = new Box((float)(xs.Min() * size.Width), (float)(ys.Min() * size.Height), (float)(xs.Max() * size.Width), (float)(ys.Max() * size.Height));
        }
        return new DatasetBuilder.RawObject(index.Value, box, location);
    }
}
