namespace Spotter.Data;

/// <summary>
/// A split given as a file that lists its images, where a split name goes (<c>--split</c>,
/// <c>--train-split</c>, <c>--valid-split</c>): so a dataset's published split can be used when
/// its format has no place for splits (raccoon's <c>data/train_labels.csv</c> and
/// <c>test_labels.csv</c>, TensorFlow Object Detection CSVs as Roboflow exports them, an id list
/// kept beside the data). A <c>.txt</c> file has one image per line, as VOC's ImageSets do: an id,
/// a file name, or a path ending in one; blank lines and lines starting with # are skipped. A
/// <c>.csv</c> file has a header row; its <c>filename</c> column (or <c>file_name</c>,
/// <c>image</c>, else the first) names the images, once per object, so repeats count once.
/// </summary>
public static partial class SplitList
{
    private static readonly string[] FileColumns = ["filename", "file_name", "image", "image_id", "file"];

    /// <summary>Whether a split argument names a list file rather than a split.</summary>
    public static bool IsListFile(string split) =>
        split.EndsWith(".txt", StringComparison.OrdinalIgnoreCase) || split.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The list file a split argument names: as given (relative to the working folder), else
    /// relative to the dataset's folder. Null when neither exists.
    /// </summary>
    public static string? Find(string split, string datasetSource)
    {
        if (File.Exists(split)) return Path.GetFullPath(split);
        var folder = File.Exists(datasetSource) ? Path.GetDirectoryName(Path.GetFullPath(datasetSource))! : datasetSource; // a COCO file's folder
        if (Path.IsPathRooted(split) || !Directory.Exists(folder)) return null;
        var beside = Path.Combine(folder, split);
        return File.Exists(beside) ? Path.GetFullPath(beside) : null;
    }

    /// <summary>
    /// The dataset's images that the list names, in the list's order. An entry that names no image
    /// is an error with the file and line, unless the dataset already reported a problem with
    /// that file (it was dropped while reading, and <c>data check</c> says why).
    /// </summary>
    public static IReadOnlyList<ImageRecord> Select(Dataset dataset, string split)
    {
        var path = Find(split, dataset.Source)
            ?? throw new SpotterException($"{split}: no such split file (looked in the working folder{(Directory.Exists(dataset.Source) ? $" and in {dataset.Source}" : "")})");
        var entries = Read(path);
        if (entries.Count == 0) throw new SpotterException($"{path}: lists no images");
        var index = new ImageLookup(dataset.Images);
        var selected = new List<ImageRecord>();
        var seen = new HashSet<ImageRecord>(ReferenceEqualityComparer.Instance);
        foreach (var (line, entry) in entries)
        {
            var image = index.Find(entry, out var ambiguous);
            if (ambiguous) throw new SpotterException($"{path}:{line}: '{entry}' matches more than one image of the dataset; give its path inside the dataset folder");
            if (image is null)
            {
                if (IsReportedProblem(dataset, entry)) continue;
                throw new SpotterException($"{path}:{line}: '{entry}' is not an image of the dataset at {dataset.Source}");
            }
            if (seen.Add(image)) selected.Add(image);
        }
        return selected;
    }

    /// <summary>The entries of a list file with their line numbers (1-based).</summary>
    public static IReadOnlyList<(int Line, string Entry)> Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var entries = new List<(int, string)>();
        if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            if (lines.Length == 0) return entries;
            var header = SplitCsvLine(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
            var column = FileColumns.Select(name => header.IndexOf(name)).FirstOrDefault(i => i >= 0, 0);
            for (var k = 1; k < lines.Length; k++)
            {
                var fields = SplitCsvLine(lines[k]);
                if (column < fields.Count && fields[column].Trim() is { Length: > 0 } name) entries.Add((k + 1, name));
            }
            return entries;
        }
        for (var k = 0; k < lines.Length; k++)
        {
            var text = lines[k].Trim();
            if (text.Length == 0 || text.StartsWith('#')) continue;
            entries.Add((k + 1, VocFlag().Replace(text, ""))); // VOC's per-class lists add a flag (1, -1, 0) after the id
        }
        return entries;
    }

    // Fields of one CSV line; a quoted field may hold commas and doubled quotes.
    private static List<string> SplitCsvLine(string line)
    {
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        fields.Add(field.ToString());
        return fields;
    }

    private static bool IsReportedProblem(Dataset dataset, string entry)
    {
        var name = Path.GetFileName(entry.Replace('\\', '/'));
        return dataset.Problems.Any(p => p.Location.Contains(name, StringComparison.Ordinal) || p.Message.Contains(name, StringComparison.Ordinal));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\s+(-?1|0)$")]
    private static partial System.Text.RegularExpressions.Regex VocFlag();

    /// <summary>
    /// Finds an image by id, by file name, or by a path that its file's path ends with. Unlike the
    /// readers' ImageIndex (files on disk, the first of equal names wins), a name that fits two
    /// images is reported, so a list never picks the wrong one of Roboflow's train/ and valid/.
    /// </summary>
    private sealed class ImageLookup(IReadOnlyList<ImageRecord> images)
    {
        private readonly ILookup<string, ImageRecord> _byId = images.ToLookup(i => i.Id, StringComparer.Ordinal);
        private readonly ILookup<string, ImageRecord> _byFileName = images.ToLookup(i => Path.GetFileName(i.Path), StringComparer.Ordinal);
        private readonly ILookup<string, ImageRecord> _byStem = images.ToLookup(i => Path.GetFileNameWithoutExtension(i.Path), StringComparer.Ordinal);

        public ImageRecord? Find(string entry, out bool ambiguous)
        {
            var normal = entry.Replace('\\', '/').TrimStart('.', '/');
            var name = Path.GetFileName(normal);
            var candidates = _byId[entry].ToList();
            if (candidates.Count == 0) candidates = _byFileName[name].ToList();
            if (candidates.Count == 0 && !Path.HasExtension(name)) candidates = _byStem[name].ToList();
            if (candidates.Count > 1 && normal.Contains('/'))
                candidates = candidates.Where(i => i.Path.Replace('\\', '/').EndsWith("/" + normal, StringComparison.Ordinal)).ToList();
            ambiguous = candidates.Count > 1;
            return candidates.Count == 1 ? candidates[0] : null;
        }
    }
}
