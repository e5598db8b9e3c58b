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

    private readonly Dictionary<string, List<string>> _byFolder = new(StringComparer.Ordinal);

    /// <param name="files">The dataset's files (non-images are passed over); on equal names the first wins.</param>
    public ImageIndex(IEnumerable<string> files)
    {
        foreach (var file in files)
        {
            if (!ImageFile.HasImageExtension(file)) continue;
            var folder = Path.GetDirectoryName(file) ?? "";
            if (!_byFolder.TryGetValue(folder, out var inFolder)) _byFolder[folder] = inFolder = [];
            inFolder.Add(file);
            var name = Path.GetFileName(file);
            _byName.TryAdd(name, file);
            _byNameIgnoreCase.TryAdd(name, file);
            _byStem.TryAdd(Path.GetFileNameWithoutExtension(file), file);
        }
    }

    /// <summary>
    /// In <paramref name="preferredFolder"/> first (the annotation's own folder: Roboflow's splits
    /// reuse names), then anywhere: by exact file name, then ignoring case, then by the
    /// annotation's stem with any image extension.
    /// </summary>
    public string? Find(string? fileName, string stem, string? preferredFolder = null)
    {
        if (preferredFolder is not null && _byFolder.TryGetValue(preferredFolder, out var near))
        {
            var wanted = string.IsNullOrWhiteSpace(fileName) ? null : Path.GetFileName(fileName.Trim().Replace('\\', '/'));
            var match = near.FirstOrDefault(f => Path.GetFileName(f) == wanted)
                        ?? near.FirstOrDefault(f => string.Equals(Path.GetFileName(f), wanted, StringComparison.OrdinalIgnoreCase))
                        ?? near.FirstOrDefault(f => Path.GetFileNameWithoutExtension(f) == stem);
            if (match is not null) return match;
        }
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
