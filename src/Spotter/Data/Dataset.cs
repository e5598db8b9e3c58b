namespace Spotter.Data;

/// <summary>
/// An annotated dataset in memory: ordered class names (with the original category ids where
/// the format has them), images with their objects, named splits, and the problems found while
/// reading it.
/// </summary>
public sealed class Dataset
{
    public Dataset(string source, string format, IReadOnlyList<string> classes, IReadOnlyList<ImageRecord> images,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? splits = null, IReadOnlyList<DataProblem>? problems = null,
        IReadOnlyList<int>? categoryIds = null)
    {
        Source = source;
        Format = format;
        Classes = classes;
        Images = images;
        Splits = splits ?? new Dictionary<string, IReadOnlyList<string>>();
        Problems = problems ?? [];
        CategoryIds = categoryIds ?? Enumerable.Range(1, classes.Count).ToArray();
    }

    /// <summary>Where it was read from (a folder or file, or "synthetic").</summary>
    public string Source { get; }

    /// <summary>voc, coco, yolo or synthetic.</summary>
    public string Format { get; }

    public IReadOnlyList<string> Classes { get; }

    /// <summary>Category ids parallel to <see cref="Classes"/> (COCO's own ids; 1..N otherwise).</summary>
    public IReadOnlyList<int> CategoryIds { get; }

    public IReadOnlyList<ImageRecord> Images { get; }

    /// <summary>Split name (train, val, trainval, test) to image ids, where the dataset defines them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Splits { get; }

    public IReadOnlyList<DataProblem> Problems { get; }

    public bool IsUsable => !Problems.Any(p => p.Fatal) && Images.Any(i => i.Objects.Count > 0);

    /// <summary>The images of a split, in the split file's order.</summary>
    public IReadOnlyList<ImageRecord> Split(string name)
    {
        if (!Splits.TryGetValue(name, out var ids))
            throw new SpotterException($"{Source}: has no split '{name}' (it has: {(Splits.Count == 0 ? "none" : string.Join(", ", Splits.Keys))})");
        var byId = Images.ToDictionary(i => i.Id);
        return ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
    }
}
