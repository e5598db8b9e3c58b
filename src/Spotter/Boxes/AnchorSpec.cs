namespace Spotter.Boxes;

/// <summary>
/// Which anchors to lay over an input: one square grid per feature map, and at every cell one
/// anchor per (zoom, aspect ratio) pair. Anchor side = zoom x cell size x scale, stretched by
/// the ratio (width = side x sqrt(r), height = side / sqrt(r)).
/// </summary>
public sealed record AnchorSpec(IReadOnlyList<int> Grids, IReadOnlyList<double> Zooms, IReadOnlyList<double> Ratios, double Scale = 1)
{
    /// <summary>Lesson 9's preset: 4x4, 2x2 and 1x1 grids, zooms 0.7, 1, 1.3, ratios 1:1, 1:2, 2:1 (9 per cell, 189 in all).</summary>
    public static readonly AnchorSpec Lesson = new([4, 2, 1], [0.7, 1.0, 1.3], [1.0, 0.5, 2.0]);

    /// <summary>Anchors per grid cell.</summary>
    public int PerCell => Zooms.Count * Ratios.Count;

    public int Count => Grids.Sum(g => g * g) * PerCell;
}
