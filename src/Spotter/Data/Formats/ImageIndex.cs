namespace Spotter.Data.Formats;

/// <summary>
/// Finds image files by name under a dataset's folders. Annotations name their image by file
/// name (VOC's &lt;path&gt; and &lt;folder&gt; point at the author's machine and are never used).
/// </summary>
internal sealed class ImageIndex
{
    private readonly Dictionary<string, string> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _byNameIgnoreCase = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _byStem = new(StringComparer.Ordinal);

    public ImageIndex(IEnumerable<string> folders)
    {
        foreach (var folder in folders.Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(folder))
            {
                if (!ImageFile.HasImageExtension(file)) continue;
                var name = Path.GetFileName(file);
                _byName.TryAdd(name, file);
                _byNameIgnoreCase.TryAdd(name, file);
                _byStem.TryAdd(Path.GetFileNameWithoutExtension(file), file);
            }
    }

    /// <summary>By exact file name, then ignoring case, then by the annotation's stem with any image extension.</summary>
    public string? Find(string? fileName, string stem)
    {
        if (!string.IsNullOrWhiteSpace(fileName))
        {
            var name = Path.GetFileName(fileName.Trim().Replace('\\', '/'));
            if (_byName.TryGetValue(name, out var exact)) return exact;
            if (_byNameIgnoreCase.TryGetValue(name, out var loose)) return loose;
            if (_byStem.TryGetValue(Path.GetFileNameWithoutExtension(name), out var byOwnStem)) return byOwnStem;
        }
        return _byStem.GetValueOrDefault(stem);
    }
}
