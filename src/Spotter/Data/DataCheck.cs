using Spotter.Boxes;
using System.Collections.Concurrent;

namespace Spotter.Data;

/// <summary>
/// Checks a dataset: counts per class and split, box and image size distributions, and every
/// problem, from the readers (bad boxes, unknown classes, malformed files) and from the image
/// files themselves (missing, unreadable, truncated, size different from the annotation). The
/// image checks read headers and the last bytes only, in parallel, so large sets take seconds.
/// </summary>
public static class DataCheck
{
    public static DataCheckReport Run(Dataset dataset)
    {
        var imageProblems = new ConcurrentBag<(int Order, DataProblem Problem, bool Unreadable)>();
        Parallel.For(0, dataset.Images.Count, i =>
        {
            var image = dataset.Images[i];
            try
            {
                var info = ImageFile.Probe(image.Path);
                if (info.LooksTruncated)
                    imageProblems.Add((i, new DataProblem(image.Path, $"{info.Format} file looks truncated (no end marker); it may decode with missing rows"), false));
                if (info.Width != image.Width || info.Height != image.Height)
                    imageProblems.Add((i, new DataProblem(image.Path, $"annotation says {image.Width}x{image.Height}, the image is {info.Width}x{info.Height}"), false));
            }
            catch (SpotterException e)
            {
                imageProblems.Add((i, new DataProblem(image.Path, e.Message.StartsWith(image.Path, StringComparison.Ordinal) ? e.Message[(image.Path.Length + 2)..] + "; image will be dropped" : e.Message), true));
            }
        });
        var ordered = imageProblems.OrderBy(p => p.Order).ToList();
        var problems = dataset.Problems.Concat(ordered.Select(p => p.Problem)).ToList();
        return new DataCheckReport(dataset, problems, ImagesPerSplit(dataset), PerClass(dataset),
            dataset.Images.Count(i => i.Objects.Count == 0), BoxSizes(dataset),
            Spread(dataset.Images.Select(i => i.Width)), Spread(dataset.Images.Select(i => i.Height)),
            dataset.Images.GroupBy(i => $"{i.Width}x{i.Height}").OrderByDescending(g => g.Count()).Take(3).Select(g => (g.Key, g.Count())).ToList(),
            ordered.Count(p => p.Unreadable));
    }

    private static Dictionary<string, int> ImagesPerSplit(Dataset dataset)
    {
        var result = new Dictionary<string, int> { ["all"] = dataset.Images.Count };
        foreach (var (name, ids) in dataset.Splits) result[name] = ids.Count;
        return result;
    }

    /// <summary>Per class: objects, images holding one, and objects per split (no file is opened).</summary>
    public static List<(string Class, int Objects, int Images, IReadOnlyDictionary<string, int> PerSplit)> PerClass(Dataset dataset)
    {
        var splitOf = dataset.Splits.ToDictionary(s => s.Key, s => s.Value.ToHashSet());
        return dataset.Classes.Select((name, c) =>
        {
            var objects = dataset.Images.SelectMany(i => i.Objects.Where(o => o.ClassIndex == c).Select(_ => i.Id)).ToList();
            var perSplit = splitOf.ToDictionary(s => s.Key, s => objects.Count(s.Value.Contains));
            return (name, objects.Count, objects.Distinct().Count(), (IReadOnlyDictionary<string, int>)perSplit);
        }).ToList();
    }

    private static (int, int, int) BoxSizes(Dataset dataset)
    {
        var areas = dataset.Images.SelectMany(i => i.Objects).Select(o => o.Box.Area).ToList();
        return (areas.Count(a => a < Box.SmallArea), areas.Count(a => a >= Box.SmallArea && a < Box.LargeArea), areas.Count(a => a >= Box.LargeArea));
    }

    private static (int, int, int) Spread(IEnumerable<int> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? (0, 0, 0) : (sorted[0], sorted[sorted.Length / 2], sorted[^1]);
    }
}
