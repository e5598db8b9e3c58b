namespace Spotter.Data.Formats;

/// <summary>
/// Finds the folder a COCO file's `file_name`s are relative to, as the tools that write COCO lay
/// it out: beside the JSON (Roboflow, Label Studio with images/x.jpg names), images/ beside it
/// (CVAT: annotations/instances_default.json + images/), the split's folder beside annotations/
/// (the COCO site: annotations/instances_train2017.json + train2017/), images/SPLIT/, or a folder
/// named after the JSON. The candidate where most of a sample of file names exist wins.
/// </summary>
internal static class CocoImageFolder
{
    private const int SampleSize = 20;

    public sealed record Result(string Folder, int Found, IReadOnlyList<string> Looked);

    /// <param name="split">The split the file holds (train), when it holds one.</param>
    public static Result Find(string jsonPath, string? split, IReadOnlyList<string> fileNames, string? given)
    {
        var candidates = Candidates(jsonPath, split, given).Distinct().ToList();
        var sample = fileNames.Take(SampleSize).ToList();
        var best = candidates.Select(c => (Folder: c, Found: sample.Count(n => Locate(c, n) is not null)))
            .Where(c => Directory.Exists(c.Folder)).OrderByDescending(c => c.Found).FirstOrDefault();
        return best.Folder is null || best.Found == 0
            ? new Result(candidates[0], 0, candidates)
            : new Result(best.Folder, best.Found, candidates);
    }

    /// <summary>The image's path: the file name under the folder, else its last part there; null when neither exists.</summary>
    public static string? Locate(string folder, string fileName)
    {
        var normalized = fileName.Trim().Replace('\\', '/');
        if (!Path.IsPathRooted(normalized))
        {
            var full = Path.Combine(folder, normalized);
            if (File.Exists(full)) return full;
        }
        var bare = Path.Combine(folder, Path.GetFileName(normalized));
        return File.Exists(bare) ? bare : null;
    }

    private static IEnumerable<string> Candidates(string jsonPath, string? split, string? given)
    {
        var here = Path.GetDirectoryName(jsonPath) is { Length: > 0 } d ? d : ".";
        var parent = Path.GetDirectoryName(Path.GetFullPath(here)) is { } p ? Path.GetRelativePath(".", p) : here;
        var stem = Path.GetFileNameWithoutExtension(jsonPath);
        // The split as the file spells it (instances_train2017.json: train2017), and its plain name.
        var splitFolders = new[] { stem.StartsWith("instances_", StringComparison.Ordinal) ? stem["instances_".Length..] : null, split }
            .OfType<string>().Distinct().ToList();
        if (given is not null)
        {
            foreach (var s in splitFolders) yield return Path.Combine(given, s);
            yield return given;
            yield break;
        }
        yield return here;
        yield return Path.Combine(here, "images");
        foreach (var s in splitFolders)
        {
            yield return Path.Combine(parent, s);
            yield return Path.Combine(parent, "images", s);
            yield return Path.Combine(here, s);
        }
        yield return Path.Combine(parent, "images");
        yield return Path.Combine(here, stem);
        yield return parent;
    }
}
