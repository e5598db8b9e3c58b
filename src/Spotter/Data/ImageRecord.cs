namespace Spotter.Data;

/// <summary>
/// An image of a dataset: its id, file, size in pixels (as displayed) and objects. A tile of a
/// larger image (sliced training, <see cref="TileViews"/>) has a <see cref="Region"/>: the part of
/// the file's image it is, in that image's pixels; its size and boxes are then the tile's.
/// </summary>
public sealed record ImageRecord(string Id, string Path, int Width, int Height, IReadOnlyList<LabeledBox> Objects)
{
    public SkiaSharp.SKRectI? Region { get; init; }

    /// <summary>What identifies the pixels: the file, and the region when there is one.</summary>
    public string PixelsKey => Region is { } r ? $"{Path}#{r.Left},{r.Top},{r.Width},{r.Height}" : Path;

    /// <summary>The index of the object with the largest box area (fastai's "largest object"; the first of equals), or -1.</summary>
    public int LargestIndex
    {
        get
        {
            var best = -1;
            for (var k = 0; k < Objects.Count; k++)
                if (best < 0 || Objects[k].Box.Area > Objects[best].Box.Area) best = k;
            return best;
        }
    }

    /// <summary>The object with the largest box area, or null.</summary>
    public LabeledBox? Largest => LargestIndex is var i and >= 0 ? Objects[i] : null;
}
