namespace Spotter.Data;

/// <summary>Expands what a user types for images: files, folders (their images) and globs (* and ? in the file name).</summary>
public static class InputFiles
{
    public static IReadOnlyList<string> Expand(IEnumerable<string> inputs)
    {
        var given = inputs.ToList();
        var files = new List<string>();
        foreach (var input in given)
        {
            if (File.Exists(input)) files.Add(input);
            else if (Directory.Exists(input))
                files.AddRange(Directory.EnumerateFiles(input).Where(ImageFile.HasImageExtension).Order(StringComparer.Ordinal));
            else if (input.IndexOfAny(['*', '?']) >= 0)
            {
                var folder = Path.GetDirectoryName(input) is { Length: > 0 } d ? d : ".";
                var matches = Directory.Exists(folder)
                    ? Directory.EnumerateFiles(folder, Path.GetFileName(input)).Where(ImageFile.HasImageExtension).Order(StringComparer.Ordinal).ToList()
                    : [];
                if (matches.Count == 0) throw new SpotterException($"{input}: no image matches");
                files.AddRange(matches);
            }
            else throw new SpotterException($"{input}: no such file or folder");
        }
        if (files.Count == 0) throw new SpotterException(given.Count == 1 ? $"{given[0]}: no images there" : "no images given");
        return files.Distinct().ToList();
    }
}
