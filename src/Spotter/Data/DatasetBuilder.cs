using Spotter.Boxes;

namespace Spotter.Data;

/// <summary>
/// Collects images, objects and splits while a reader walks a dataset, applying the same rules
/// to every format: zero-area boxes and boxes wholly outside the image are dropped, boxes partly
/// outside are clipped, duplicate image ids are skipped, and each case is reported with its
/// location.
/// </summary>
internal sealed class DatasetBuilder
{
    private readonly string _source;
    private readonly string _format;
    private readonly List<string> _classes = [];
    private readonly Dictionary<string, int> _classIndex = new(StringComparer.Ordinal);
    private readonly bool _classesFixed;
    private readonly List<int>? _categoryIds;
    private readonly List<ImageRecord> _images = [];
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<string>> _splits = new(StringComparer.Ordinal);

    public DatasetBuilder(string source, string format, IEnumerable<string>? classes = null, IEnumerable<int>? categoryIds = null)
    {
        _source = source;
        _format = format;
        if (classes is not null)
        {
            foreach (var name in classes) AddClass(name);
            _classesFixed = true;
        }
        _categoryIds = categoryIds?.ToList();
    }

    public List<DataProblem> Problems { get; } = [];

    private readonly HashSet<(string, string)> _reported = [];

    /// <summary>Reports a problem once (two splits listing one folder would otherwise report its links twice).</summary>
    public void Warn(string location, string message)
    {
        if (_reported.Add((Path.IsPathFullyQualified(location) ? location : Path.GetFullPath(location), message)))
            Problems.Add(new DataProblem(location, message));
    }

    public void Fail(string location, string message) => Problems.Add(new DataProblem(location, message, Fatal: true));

    /// <summary>The index of a class; with a fixed class list an unknown name is reported and null returned.</summary>
    public int? ClassIndex(string name, string location)
    {
        if (_classIndex.TryGetValue(name, out var index)) return index;
        if (_classesFixed)
        {
            Warn(location, $"unknown class '{name}'; object dropped");
            return null;
        }
        return AddClass(name);
    }

    /// <summary>A class given by its number (YOLO); numbers past the class list are reported and null returned.</summary>
    public int? ClassIndexByNumber(int number, string location)
    {
        if (number >= 0 && number < _classes.Count) return number;
        Warn(location, $"class {number} is not among the {_classes.Count} named classes; object dropped");
        return null;
    }

    private int AddClass(string name)
    {
        _classIndex[name] = _classes.Count;
        _classes.Add(name);
        return _classes.Count - 1;
    }

    /// <summary>A candidate object before validation, with where it came from.</summary>
    public readonly record struct RawObject(int ClassIndex, Box Box, string Location, bool Difficult = false, bool Truncated = false, bool Crowd = false);

    public void AddImage(string id, string path, int width, int height, IEnumerable<RawObject> objects, string location)
    {
        if (!_ids.Add(id))
        {
            Warn(location, $"duplicate image id '{id}'; the later one is skipped");
            return;
        }
        _idByPath.TryAdd(Path.GetFullPath(path), id);
        var kept = new List<LabeledBox>();
        foreach (var o in objects)
        {
            var box = Validate(o, width, height);
            if (box is not null) kept.Add(new LabeledBox(o.ClassIndex, box.Value, o.Difficult, o.Truncated, o.Crowd));
        }
        _images.Add(new ImageRecord(id, path, width, height, kept));
    }

    private Box? Validate(RawObject o, int width, int height)
    {
        var name = _classes[o.ClassIndex];
        if (!o.Box.HasArea)
        {
            Warn(o.Location, $"zero-area box {o.Box} of class {name}; object dropped");
            return null;
        }
        if (o.Box.IsInside(width, height)) return o.Box;
        var clipped = o.Box.ClipTo(width, height);
        if (!clipped.HasArea)
        {
            Warn(o.Location, $"box {o.Box} of class {name} lies outside the {width}x{height} image; object dropped");
            return null;
        }
        // Annotation tools often put a box edge one pixel past the border: clip those silently.
        var slack = Math.Max(Math.Max(-o.Box.X1, -o.Box.Y1), Math.Max(o.Box.X2 - width, o.Box.Y2 - height));
        if (slack > 1) Warn(o.Location, $"box {o.Box} of class {name} extends outside the {width}x{height} image; clipped to {clipped}");
        return clipped;
    }

    /// <summary>
    /// The image's size: the annotation's when it gives one, else read from the file's header
    /// (reported). Null when the image cannot be read (reported; the image is skipped).
    /// </summary>
    public (int Width, int Height)? ResolveSize(string imagePath, int annotatedWidth, int annotatedHeight, string location, bool quiet = false)
    {
        if (annotatedWidth > 0 && annotatedHeight > 0) return (annotatedWidth, annotatedHeight);
        try
        {
            var info = ImageFile.Probe(imagePath);
            if (!quiet) Warn(location, $"image size {annotatedWidth}x{annotatedHeight} in the annotation; using the image's {info.Width}x{info.Height}");
            return (info.Width, info.Height);
        }
        catch (SpotterException e)
        {
            Warn(location, $"{e.Message}; image skipped");
            return null;
        }
    }

    public void AddSplit(string name, IReadOnlyList<string> ids) => _splits[name] = ids;

    public bool HasImage(string id) => _ids.Contains(id);

    private readonly Dictionary<string, string> _idByPath = new(StringComparer.Ordinal);

    /// <summary>The id of the image already added from this file, if any (one image listed by two split files).</summary>
    public string? IdOfPath(string path) => _idByPath.GetValueOrDefault(Path.GetFullPath(path));

    public bool HasSplit(string name) => _splits.ContainsKey(name);

    /// <summary>Builds the dataset; classes learned from the data are sorted by name for a stable order.</summary>
    public Dataset Build()
    {
        if (_classesFixed)
            return new Dataset(_source, _format, _classes, _images, _splits, Problems, _categoryIds);
        var sorted = _classes.OrderBy(c => c, StringComparer.Ordinal).ToList();
        var remap = _classes.Select(c => sorted.IndexOf(c)).ToArray();
        var images = _images.Select(i => i with { Objects = i.Objects.Select(o => o with { ClassIndex = remap[o.ClassIndex] }).ToList() }).ToList();
        if (sorted.Count == 0 && !Problems.Any(p => p.Fatal)) Fail(_source, "no objects with a class were found");
        return new Dataset(_source, _format, sorted, images, _splits, Problems);
    }
}
