using Spotter.Boxes;
using System.Collections.Concurrent;

namespace Spotter.Data;

/// <summary>What `spotter data check` reports about a dataset.</summary>
public sealed record DataCheckReport(
    Dataset Dataset,
    IReadOnlyList<DataProblem> Problems,
    IReadOnlyDictionary<string, int> ImagesPerSplit,
    IReadOnlyList<(string Class, int Objects, int Images, IReadOnlyDictionary<string, int> PerSplit)> PerClass,
    int ImagesWithoutObjects,
    (int Small, int Medium, int Large) BoxSizes,
    (int Min, int Median, int Max) Widths,
    (int Min, int Median, int Max) Heights,
    IReadOnlyList<(string Size, int Images)> CommonSizes,
    int UnreadableImages)
{
    /// <summary>Usable: no fatal problem, and at least one readable image with objects.</summary>
    public bool IsUsable => Dataset.IsUsable && !Problems.Any(p => p.Fatal) && Dataset.Images.Count > UnreadableImages;
}
